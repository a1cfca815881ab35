"""`colorizer-cli`: colourise, train, fine-tune, evaluate and list models without a window."""
