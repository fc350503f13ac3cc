"""Everything torch: the encoder, model policy, precision, attention, batching, late chunking,
kernel caches and the cross-encoder. Imports only the top-level basics (errors, types, settings)."""
