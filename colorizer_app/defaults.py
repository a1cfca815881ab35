"""Defaults shared by the engine, the command line and the GUI's settings schema.

Kept apart from the torch modules so the GUI can build its settings before torch has loaded.
"""

DEFAULT_SIZE = 256  # short side, in pixels, of the image a model sees
DEFAULT_TEMPERATURE = 0.38  # annealed-mean temperature of the classification model
DEFAULT_MODEL = "regression"  # Natural: fewest false colours, its network sees hints (MODEL_CARD.md); the GUI, CLI and engine
