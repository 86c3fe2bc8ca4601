"""Training: the retrieval model (encoder + fuser) and the trainer."""

from sbkit.training.data import TrainData
from sbkit.training.model import RetrievalModel, build_model
from sbkit.training.options import TrainOptions
from sbkit.training.trainer import fit

__all__ = ["RetrievalModel", "TrainData", "TrainOptions", "build_model", "fit"]
