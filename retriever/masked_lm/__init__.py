"""The masked language model: the model, its tasks (fill-mask, classify, cloze) and labelling
chunks at ingest."""
