"""Which FAISS index suits how many vectors, building it, and how to search it.

- below ``EXACT_BELOW`` vectors: exact search (``flat``), a scan of every vector;
- up to ``COMPRESS_FROM``: an inverted file over float vectors (``ivf``): the vectors are
  clustered into ~2·sqrt(n) lists and a query scans only the ``PROBES`` nearest lists;
- from ``COMPRESS_FROM``: the same with each vector stored as 8-bit integers (``ivf-sq8``),
  768 instead of 3,072 bytes for a 768-d vector.

All three support what an incrementally updated index needs: adding and removing vectors by id
(FAISS's HNSW cannot remove, which rules it out here) and an id filter. A filtered search scans
every list, so a selective filter still returns ``k`` hits whenever ``k`` vectors match.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import faiss
import numpy as np

EXACT_BELOW = 100_000
COMPRESS_FROM = 1_000_000
#: Lists scanned per query. Measured in benchmarks/vector_index_benchmark.py: recall@10 0.985 at
#: 100k (IVF) and 0.969 at 1M (IVF-SQ8, the same as 32 probes there) with 8.9 ms p50 at 1M.
PROBES = 16
#: Training points per list (FAISS warns below 39), capped to bound k-means time.
TRAINING_PER_LIST = 40

#: Pages of (ids, vectors); called once per pass over them.
Pages = Callable[[], Iterable[tuple[np.ndarray, np.ndarray]]]


@dataclass(frozen=True, slots=True)
class IndexPlan:
    kind: str  # "flat", "ivf" or "ivf-sq8"
    lists: int = 0


def plan_for(count: int) -> IndexPlan:
    if count < EXACT_BELOW:
        return IndexPlan("flat")
    # A power of two near 2·sqrt(n): lists of ~sqrt(n)/2 vectors.
    lists = 2 ** round(math.log2(2 * math.sqrt(count)))
    return IndexPlan("ivf" if count < COMPRESS_FROM else "ivf-sq8", lists)


def plan_of(index: faiss.Index) -> IndexPlan:
    ivf = _ivf(index)
    if ivf is None:
        return IndexPlan("flat")
    compressed = isinstance(faiss.downcast_index(ivf), faiss.IndexIVFScalarQuantizer)
    return IndexPlan("ivf-sq8" if compressed else "ivf", ivf.nlist)


def needs_rebuild(index: faiss.Index, count: int) -> bool:
    """Whether ``index`` no longer suits ``count`` vectors: another kind is due (with a 25%
    margin, so an index near a threshold does not flip back and forth), or its lists are 4x
    too few or too many."""
    current = plan_of(index)
    if current.kind not in {plan_for(int(count / 1.25)).kind, plan_for(int(count * 1.25)).kind}:
        return True
    wanted = plan_for(count)
    return current.kind == wanted.kind and not (
        wanted.lists / 4 <= current.lists <= wanted.lists * 4
    )


def empty_flat(dimension: int) -> faiss.Index:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def build(dimension: int, pages: Pages) -> faiss.Index:
    """The index suited to the vectors in ``pages``, filled with them."""
    count = sum(len(ids) for ids, _ in pages())
    plan = plan_for(count)
    if plan.kind == "flat":
        index = empty_flat(dimension)
    else:
        quantizer = faiss.IndexFlatIP(dimension)
        if plan.kind == "ivf":
            index = faiss.IndexIVFFlat(quantizer, dimension, plan.lists, faiss.METRIC_INNER_PRODUCT)
        else:
            index = faiss.IndexIVFScalarQuantizer(
                quantizer,
                dimension,
                plan.lists,
                faiss.ScalarQuantizer.QT_8bit,
                faiss.METRIC_INNER_PRODUCT,
            )
        index.train(_sample(pages, count, plan.lists * TRAINING_PER_LIST))
    for ids, vectors in pages():
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
    return index


def search_parameters(
    index: faiss.Index, allowed: np.ndarray | None
) -> faiss.SearchParameters | None:
    selector = None if allowed is None else faiss.IDSelectorBatch(allowed.astype(np.int64))
    ivf = _ivf(index)
    if ivf is None:
        return None if selector is None else faiss.SearchParameters(sel=selector)
    # Filtered: every list, so matches outside the nearest lists are found too.
    probes = ivf.nlist if selector is not None else min(PROBES, ivf.nlist)
    return faiss.SearchParametersIVF(nprobe=probes, sel=selector)


def stored_ids(index: faiss.Index) -> np.ndarray:
    """The ids ``index`` holds, in storage order (an inverted file keeps them per list)."""
    ivf = _ivf(index)
    if ivf is None:
        return faiss.vector_to_array(index.id_map)
    lists = ivf.invlists
    held = [
        faiss.rev_swig_ptr(lists.get_ids(number), lists.list_size(number)).copy()
        for number in range(ivf.nlist)
        if lists.list_size(number)
    ]
    return np.concatenate(held) if held else np.empty(0, dtype=np.int64)


def stored_vectors(index: faiss.Index) -> tuple[np.ndarray, np.ndarray]:
    """Every (id, vector) ``index`` holds, for checks; an ``ivf-sq8`` index gives its 8-bit
    approximations (see :func:`is_lossy`)."""
    ids = stored_ids(index)
    if not len(ids):
        return ids, np.empty((0, index.d), dtype=np.float32)
    ivf = _ivf(index)
    if ivf is None:
        return ids, index.index.reconstruct_n(0, len(ids))
    # Reconstructing by id needs a map from id to list position (ids are sparse: a hash table).
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
    return ids, ivf.reconstruct_batch(ids)


def is_lossy(index: faiss.Index) -> bool:
    return plan_of(index).kind == "ivf-sq8"


def _ivf(index: faiss.Index) -> faiss.IndexIVF | None:
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:  # not an inverted file
        return None


def _sample(pages: Pages, count: int, size: int) -> np.ndarray:
    """About ``size`` vectors spread evenly over all of them (k-means training points)."""
    step = max(1, count // size)
    return np.ascontiguousarray(np.concatenate(list(_every(pages, step))), dtype=np.float32)


def _every(pages: Pages, step: int) -> Iterator[np.ndarray]:
    seen = 0
    for ids, vectors in pages():
        yield vectors[(-seen) % step :: step]
        seen += len(ids)
