"""Default decision thresholds, one per backbone, each with how it was derived.

All thresholds are on the cosine similarity of L2-normalized embeddings (ex03): accept when score >= threshold.
Calibrate on your own photos with ``faceauth eval`` — a threshold is a property of a model *and* a population.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultThreshold:
    value: float
    derivation: str


THRESHOLDS: dict[str, DefaultThreshold] = {
    "dlib_resnet": DefaultThreshold(
        0.92,
        "measured with benchmarks/calibrate_dlib_threshold.py on 14 development photos of 8 people: genuine "
        "pairs scored 0.951-0.971 (7 pairs), impostor pairs 0.746-0.886 (84 pairs); 0.92 is the middle of "
        "the gap (0.9185), rounded up. dlib's own rule, euclidean distance < 0.6 on raw descriptors, is "
        "about the same: its descriptors have norm ~1.41 (not 1), and d^2 = 2 n^2 (1 - cos) puts d = 0.6 at "
        "cos = 0.91. A small sample: calibrate on your own photos with `faceauth eval`.",
    ),
    # ImageNet-trained ConvNeXt features were never taught faces: everyone looks alike to them. Their Hub
    # weights are unreachable on the machines this workshop was built on, so these are not calibrated.
    "convnext": DefaultThreshold(
        0.85,
        "not calibrated (ImageNet weights need the Hugging Face Hub): the 'balanced' rule-of-thumb preset "
        "from ex03. Run `faceauth eval --model convnext_tiny --weights FILE` on your photos and pass "
        "--threshold.",
    ),
}


def default_threshold(model: str) -> DefaultThreshold:
    """The default threshold for a backbone name (ConvNeXt variants share one)."""
    if model in THRESHOLDS:
        return THRESHOLDS[model]
    return THRESHOLDS["convnext"]
