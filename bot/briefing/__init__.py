"""Store-backed use cases: applying analysis, the stored timeline, reading, digests."""
