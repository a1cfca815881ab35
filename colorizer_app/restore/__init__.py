"""Restoring an old scan's lightness before it is coloured: damage found and filled, grain and
fading optionally tamed. Only L changes; the colouring pipeline runs on the restored L as before.

    damage.py    scratches, cracks, dust, spots and folds drawn on a clean photo (training, tests)
    detector.py  the network that finds them, and its bundled weights
    fill.py      the found pixels filled from their surroundings
    tone.py      grain reduction and faded contrast lifted (options, off by default)
    options.py   `Restore`: what to do to one photo, brush edits included (no torch)
    mask.py      the damage mask at any resolution: detector, threshold, brush strokes
    restore.py   the one entry point used by the engine, the app and the CLI
"""
