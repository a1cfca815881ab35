"""Plain words for what the app shows a person who has never heard of Lab, logits or PSNR.

The technical names (model family, temperature, PSNR) stay available as details and tooltips;
what a label says first is what a choice does to the picture.
"""

from __future__ import annotations

import math

from ..models.registry import ModelEntry

# family -> (name shown in the picker, what it is good for)
FAMILY_WORDS = {
    "regression": ("Natural (safe colours)",
                   "Calm, believable colours that are rarely wrong; sometimes a little faded."),
    "classification": ("Vivid",
                       "Richer, bolder colours; now and then a patch of the wrong colour."),
    "gan": ("Lively",
            "Like Natural, a little richer in colour; now and then a faint tint."),
}
FAMILY_DETAIL = {"regression": "regression model", "classification": "classification model",
                 "gan": "GAN model (generator trained with a discriminator)"}

BOLDNESS_LABEL = "Colour boldness"
BOLDNESS_ENDS = ("Bolder", "Safer")
BOLDNESS_TIP = ("How daring the Vivid model is with colour. Towards “Bolder” each spot takes the "
                "colour the model finds most likely (vivid, may blotch); towards “Safer” the colours "
                "are averaged (calm, washed out).\n\nTechnically: the temperature T of the annealed "
                "mean over the colour bins, softmax(logits / T); T → 0 is the mode, T = 1 the mean.")

# the side panel's other controls; Preferences uses the same words for its defaults
STRENGTH_LABEL = "Colour strength"
STRENGTH_TIP = ("How strong the colours are: 0 leaves the photo gray, 1 shows them as the "
                "model made them, 2 twice as saturated.")
SIZE_LABEL = "Working size"
SIZE_TIP = ("How large a copy of the photo the model looks at (its short side). The result "
            "always keeps the photo's full size and detail; larger is slower and changes "
            "how big the patches of one colour are.")

# a reference photo or palette (reference_panel.py), in the viewer; the check boxes' words are
# short: the side panel is narrow, and the tooltips say the rest
WITHOUT_REFERENCE = "Without the reference"
WITH_REFERENCE = "With the reference"
SHOW_MATCH = "Show where it is used"
SHOW_MATCH_TIP = ("Dims the parts of your photo where nothing in the reference photo looks alike: its "
                  "colours go to the parts left bright, and the dimmed parts keep the model's own colours.")
MATCH_SHADE_LEGEND = "Dimmed: the reference was not used here"
DAMAGE_LEGEND = "Red: scratches and spots that are repaired"
RESTORE_LABEL = "Repair scratches and spots"
RESTORE_TIP = ("Finds cracks, scratches, dust and spots in the photo and fills them in from the picture "
               "around them, before the photo is coloured. Only the damaged places change.\n\n"
               "In detail: a small network trained on photos with drawn damage marks the damaged "
               "pixels; OpenCV's inpainting (Navier-Stokes) fills them from their surroundings, in "
               "the photo's lightness only, at full resolution.")
DENOISE_LABEL = "Reduce grain"
DENOISE_TIP = ("Smooths the film grain and scanner noise of the photo (non-local means, its strength "
               "measured on the photo). Off by default: grain is often part of an old photo's look.")
CONTRAST_LABEL = "Lift faded contrast"
CONTRAST_TIP = ("Stretches the tones of a faded photo so its darkest parts are near black and its "
                "lightest near white. A photo that already has full contrast is left as it is.")
BRUSH_TIP = ("Paint over damage the repair missed (Mark), or over places it should leave alone "
             "(Unmark). The marked places are shown in red; Undo takes back the last stroke.")
COMPARE_REFERENCE = "Compare without it"
COMPARE_REFERENCE_TIP = ("Shows your photo coloured without the reference next to the one with it: "
                         "left of the divider in the split view, side by side in the side-by-side view.")


def model_title(entry: ModelEntry) -> str:
    """The name shown in the picker: a bundled model named after its family gets a plain name;
    a model of the user's keeps its own."""
    if entry.bundled and entry.name == entry.family and entry.family in FAMILY_WORDS:
        return FAMILY_WORDS[entry.family][0]
    return entry.name


def model_summary(entry: ModelEntry) -> str:
    """One line on what the model is good for (a user's model: which kind it is based on)."""
    title, good_for = FAMILY_WORDS.get(entry.family, (entry.family, ""))
    if entry.bundled and entry.name == entry.family:
        return good_for
    return f"Your own model, of the {title} kind. {good_for}".strip()


def model_details(entry: ModelEntry) -> str:
    """The technical detail, for a tooltip: family, origin, file, validation figures."""
    bits = [FAMILY_DETAIL.get(entry.family, entry.family),
            "bundled with Colorizer" if entry.bundled else "your own model"]
    metrics = entry.meta.get("val_metrics") or {}
    if "psnr" in metrics:
        bits.append(f"validation PSNR {metrics['psnr']:.1f} dB")
    return ", ".join(bits) + f"\n{entry.path}"


def error_change_fraction(before: dict, after: dict) -> float | None:
    """How much smaller the colour error became (0.2: 20 % smaller; negative: larger), from the
    PSNR on the held-out photos; None when either figure is missing."""
    if "psnr" not in before or "psnr" not in after:
        return None
    # PSNR = 10 log10(peak^2 / MSE): a gain of d dB divides the mean squared error by 10^(d/10)
    return 1.0 - math.pow(10.0, -(float(after["psnr"]) - float(before["psnr"])) / 10.0)


def closeness_words(before: dict, after: dict, photos: int | None = None) -> str:
    """The fine-tune result in words: how much closer to the true colours the new model came."""
    on = f"the {photos} photos set aside for checking" if photos else "the photos set aside for checking"
    f = error_change_fraction(before, after)
    if f is None:
        return f"No comparison could be made on {on}."
    pct = round(abs(f) * 100)
    if pct < 1:
        return f"On {on}, the new model's colours are about as close to the true colours as before."
    if f > 0:
        return f"On {on}, the new model's colours came {pct}% closer to the true colours."
    return (f"On {on}, the new model's colours are {pct}% further from the true colours: "
            "the original model may suit these photos better.")


def kept_words(kept_step: int | None) -> str:
    """Why the saved model holds earlier weights than the last step's, or nothing when it does not."""
    if kept_step is None:
        return ""
    if kept_step == 0:
        return (" Learning from your photos did not colour the set-aside ones better, so the new model"
                " keeps the original's colours.")
    return (" It keeps what it had learnt part-way, where it coloured the set-aside photos best;"
            " after that it only learnt your other photos by heart.")


def params_words(params, title) -> str:
    """'Vivid, boldness 0.38, strength 1.00, 256 px' for one model and settings (`title` names a
    model file)."""
    bits = [title(params.model)]
    if params.temperature is not None:
        bits.append(f"{BOLDNESS_LABEL.lower()} {params.temperature:.2f}")
    bits.append(f"colour strength {params.vibrance:.2f}")
    bits.append(f"working size {params.size} px")
    return ", ".join(bits)
