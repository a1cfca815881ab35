"""Training: folder datasets, losses per family, and a family-agnostic Trainer with callbacks."""
