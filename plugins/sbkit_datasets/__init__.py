"""sbkit plugin sbkit_datasets: catalogue sources (the demo catalogue, folder catalogues, public datasets)."""

from sbkit.hookspecs import hookimpl
from sbkit_datasets.demo import DemoDataset
from sbkit_datasets.folder import FolderDataset
from sbkit_datasets.public import DeepFashionMM, FashionGen, FashionIQ, ShoeV2, Sketchy


@hookimpl
def register_datasets() -> list[type]:
    return [DemoDataset, FolderDataset, FashionGen, FashionIQ, DeepFashionMM, ShoeV2, Sketchy]
