"""Search: BM25 and dense vectors, their fusion, ranking within a scope, and follow-up questions made standalone."""
