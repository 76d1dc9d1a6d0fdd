"""Store: the index on disk (versions, manifest, records, checks), or its chunks in a Milvus collection."""
