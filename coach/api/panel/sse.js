// Server-sent events over fetch: POST bodies and headers (which EventSource cannot send),
// parsed incrementally from a ReadableStream as the bytes arrive.
"use strict";

(function (global) {
  class SSEParser {
    constructor(onEvent) {
      this.onEvent = onEvent;
      this.buffer = "";
      this.eventName = "";
      this.data = [];
    }

    push(text) {
      this.buffer += text;
      // A trailing CR may be the first half of CRLF: keep it until the next chunk.
      const hold = this.buffer.endsWith("\r") ? 1 : 0;
      const ready = this.buffer.slice(0, this.buffer.length - hold);
      const lines = ready.split(/\r\n|\r|\n/);
      this.buffer = lines.pop() + this.buffer.slice(this.buffer.length - hold);
      for (const line of lines) this.line(line);
    }

    end() {
      if (this.buffer) this.line(this.buffer.replace(/\r$/, ""));
      this.buffer = "";
      this.line("");
    }

    line(line) {
      if (line === "") {
        if (this.data.length) {
          this.onEvent(this.eventName || "message", this.data.join("\n"));
        }
        this.eventName = "";
        this.data = [];
        return;
      }
      if (line.startsWith(":")) return; // a comment (keep-alive)
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") this.eventName = value;
      else if (field === "data") this.data.push(value);
    }
  }

  // Reads the whole stream, calling onEvent(name, parsedJsonOrText) for each event.
  async function readEventStream(response, onEvent) {
    const parser = new SSEParser((name, raw) => {
      let value = raw;
      try { value = JSON.parse(raw); } catch (_) { /* plain text data */ }
      onEvent(name, value);
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder("utf-8");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
    parser.end();
  }

  global.CoachSSE = { SSEParser, readEventStream };
})(window);
