"""The reading of a conversation before anything is drafted: what the customer said (facts, in
their own words), the sums of money and their roles, the topic, the request's clock.
"""
