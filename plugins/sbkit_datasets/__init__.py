"""sbkit plugin sbkit_datasets: catalogue sources (the demo catalogue, folder catalogues, public datasets).

Fashion-Gen's HDF5 files and Parquet catalogues need the ``datasets`` extra (``pip install sbkit[datasets]``).
"""

from sbkit.component_spec import ComponentSpec, lazy_exports
from sbkit.hookspecs import hookimpl

DATASETS = [
    ComponentSpec("demo", "sbkit_datasets.demo:DemoDataset",
                  "Built-in rendered catalogue: 10 categories, 14 colours, brand patterns, drawn sketches."),
    ComponentSpec("folder", "sbkit_datasets.folder:FolderDataset",
                  "Your own catalogue: a folder of images plus captions.csv or captions.jsonl."),
    ComponentSpec("fashiongen", "sbkit_datasets.public:FashionGen",
                  "Fashion-Gen (HDF5): 293k product photos with descriptions; validation file used as test.",
                  requires=("h5py",), install="sbkit[datasets]"),
    ComponentSpec("fashioniq", "sbkit_datasets.public:FashionIQ",
                  "FashionIQ: dress/shirt/toptee target images with their relative captions; dead links skipped."),
    ComponentSpec("deepfashion-mm", "sbkit_datasets.public:DeepFashionMM",
                  "DeepFashion-MultiModal: 44k full-body photos with captions; splits made by product."),
    ComponentSpec("shoe-v2", "sbkit_datasets.public:ShoeV2",
                  "QMUL Shoe-V2 / Chair-V2: product photos each with several real human sketches."),
    ComponentSpec("sketchy", "sbkit_datasets.public:Sketchy",
                  "Sketchy: 125 categories of photos with real human sketches; random, official or zero-shot split."),
    ComponentSpec("webdataset", "sbkit_datasets.shards:WebDatasetShards",
                  "WebDataset tar shards: <key>.jpg|png|webp photo, <key>.json record, optional <key>.sketch.png."),
    ComponentSpec("parquet", "sbkit_datasets.shards:ParquetShards",
                  "Parquet files with columns id, image (bytes), caption [, split, category, product, sketch].",
                  requires=("pyarrow",), install="sbkit[datasets]"),
]

__getattr__ = lazy_exports(__name__, DATASETS)


@hookimpl
def register_datasets() -> list[ComponentSpec]:
    return DATASETS
