"""ex03 — cosine similarity and thresholds: is this the same face?"""

from ex03_similarity.similarity import (
    cosine_similarity,
    cosine_similarity_many,
    cosine_similarity_matrix,
    l2_normalize,
)
from ex03_similarity.thresholds import (
    THRESHOLD_PRESETS,
    ThresholdPreset,
    describe_threshold,
    far_frr,
    is_match,
    threshold_for_far,
)

__all__ = [
    "THRESHOLD_PRESETS",
    "ThresholdPreset",
    "cosine_similarity",
    "cosine_similarity_many",
    "cosine_similarity_matrix",
    "describe_threshold",
    "far_frr",
    "is_match",
    "l2_normalize",
    "threshold_for_far",
]
