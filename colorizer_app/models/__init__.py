"""The three network families, ab bins and decoding, the checkpoint format and the model registry."""
