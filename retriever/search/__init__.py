"""The query pipeline: candidates -> fused, verified, reranked hits; context assembly,
freshness, similarity."""
