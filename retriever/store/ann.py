"""Which FAISS index suits how many vectors, building it, and how to search it.

With ``vector_compression = "auto"`` (the default) the index type follows the size:

- below ``EXACT_BELOW`` vectors: exact search (``flat``), a scan of every vector;
- up to ``COMPRESS_FROM``: an inverted file over float vectors (``ivf``): the vectors are
  clustered into ~2·sqrt(n) lists and a query scans only the ``PROBES`` nearest lists;
- from ``COMPRESS_FROM``: the same with each vector stored as 8-bit integers (``ivf-sq8``),
  768 instead of 3,072 bytes for a 768-d vector.

The other compressions fix what each vector is stored as, whatever the size: ``none`` keeps
floats; ``int8`` stores 8-bit codes (``flat-sq8``, then ``ivf-sq8``); ``binary`` stores one
sign bit per dimension (``binary``: an exact Hamming scan, 96 bytes for 768-d). Compressed
codes need training points (8-bit ranges), so below ``COMPRESS_MIN`` vectors every index keeps
floats. A search of compressed codes is rescored from the float vectors SQLite stores (see
``VectorIndex.search``): ``RESCORE_FACTORS`` candidates per wanted hit, scored exactly.

All kinds support what an incrementally updated index needs: adding and removing vectors by id
(FAISS's HNSW cannot remove, which rules it out here) and an id filter. A filtered search scans
every list, so a selective filter still returns ``k`` hits whenever ``k`` vectors match.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

import faiss
import numpy as np

EXACT_BELOW = 100_000
COMPRESS_FROM = 1_000_000
COMPRESS_MIN = 1_000
#: Lists scanned per query. Measured in benchmarks/vector_index_benchmark.py: recall@10 0.985 at
#: 100k (IVF) and 0.969 at 1M (IVF-SQ8, the same as 32 probes there) with 8.9 ms p50 at 1M.
PROBES = 16
#: Candidates per wanted hit that a search of compressed codes rescores exactly, by index kind.
#: Measured in benchmarks/vector_index_benchmark.py: 8-bit codes reach the recall of floats
#: from 2x (IVF-SQ8 at 1M: 0.969 -> 0.9995); sign bits reach recall@10 0.955 at 4x and 1.0 at
#: 10x at 100k, but only 0.64 at 10x at 1M (see docs/benchmarks.md).
RESCORE_FACTORS = {"flat-sq8": 4, "ivf-sq8": 4, "binary": 10}
#: Training points per list (FAISS warns below 39), capped to bound k-means time.
TRAINING_PER_LIST = 40
#: Training points of an exact 8-bit index (its per-dimension ranges).
TRAINING_8BIT = 20_000

Compression = Literal["auto", "none", "int8", "binary"]
COMPRESSIONS: tuple[Compression, ...] = ("auto", "none", "int8", "binary")

#: Pages of (ids, vectors); called once per pass over them.
Pages = Callable[[], Iterable[tuple[np.ndarray, np.ndarray]]]


@dataclass(frozen=True, slots=True)
class IndexPlan:
    kind: str  # "flat", "flat-sq8", "ivf", "ivf-sq8" or "binary"
    lists: int = 0


def plan_for(count: int, compression: Compression = "auto") -> IndexPlan:
    if compression == "binary" and count >= COMPRESS_MIN:
        return IndexPlan("binary")
    if count < EXACT_BELOW:
        eight_bit = compression == "int8" and count >= COMPRESS_MIN
        return IndexPlan("flat-sq8" if eight_bit else "flat")
    # A power of two near 2·sqrt(n): lists of ~sqrt(n)/2 vectors.
    lists = 2 ** round(math.log2(2 * math.sqrt(count)))
    eight_bit = compression == "int8" or (compression == "auto" and count >= COMPRESS_FROM)
    return IndexPlan("ivf-sq8" if eight_bit else "ivf", lists)


def plan_of(index: faiss.Index | faiss.IndexBinary) -> IndexPlan:
    if _binary(index):
        return IndexPlan("binary")
    ivf = _ivf(index)
    if ivf is None:
        eight_bit = isinstance(faiss.downcast_index(index.index), faiss.IndexScalarQuantizer)
        return IndexPlan("flat-sq8" if eight_bit else "flat")
    eight_bit = isinstance(faiss.downcast_index(ivf), faiss.IndexIVFScalarQuantizer)
    return IndexPlan("ivf-sq8" if eight_bit else "ivf", ivf.nlist)


def needs_rebuild(
    index: faiss.Index | faiss.IndexBinary, count: int, compression: Compression = "auto"
) -> bool:
    """Whether ``index`` no longer suits ``count`` vectors stored as ``compression`` says:
    another kind is due (with a 25% margin, so an index near a threshold does not flip back and
    forth), or its lists are 4x too few or too many."""
    current = plan_of(index)
    near = {plan_for(int(count / 1.25), compression), plan_for(int(count * 1.25), compression)}
    if current.kind not in {plan.kind for plan in near}:
        return True
    wanted = plan_for(count, compression)
    return current.kind == wanted.kind and not (
        wanted.lists / 4 <= current.lists <= wanted.lists * 4
    )


def empty_flat(dimension: int) -> faiss.Index:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def build(dimension: int, pages: Pages, compression: Compression = "auto") -> faiss.Index:
    """The index suited to the vectors in ``pages`` and ``compression``, filled with them."""
    count = sum(len(ids) for ids, _ in pages())
    plan = plan_for(count, compression)
    if plan.kind == "flat":
        index = empty_flat(dimension)
    elif plan.kind == "binary":
        index = faiss.IndexBinaryIDMap2(faiss.IndexBinaryFlat(dimension))
    elif plan.kind == "flat-sq8":
        eight_bit = faiss.IndexScalarQuantizer(
            dimension, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        eight_bit.train(_sample(pages, count, TRAINING_8BIT))
        index = faiss.IndexIDMap2(eight_bit)
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
        add(index, ids, vectors)
    return index


def add(index: faiss.Index | faiss.IndexBinary, ids: np.ndarray, vectors: np.ndarray) -> None:
    codes = _sign_bits(vectors) if _binary(index) else np.ascontiguousarray(vectors, np.float32)
    index.add_with_ids(codes, np.asarray(ids, dtype=np.int64))


def search(
    index: faiss.Index | faiss.IndexBinary,
    queries: np.ndarray,
    k: int,
    params: faiss.SearchParameters | None,
) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids) of the best ``k`` per query, as ``Index.search`` gives them; a binary
    index scores by the share of sign bits that agree (1 - 2 · Hamming distance / bits)."""
    if not _binary(index):
        return index.search(np.ascontiguousarray(queries, np.float32), k, params=params)
    distances, ids = index.search(_sign_bits(queries), k, params=params)
    return 1 - 2 * distances.astype(np.float32) / index.d, ids


def search_parameters(
    index: faiss.Index | faiss.IndexBinary, allowed: np.ndarray | None
) -> faiss.SearchParameters | None:
    selector = None if allowed is None else faiss.IDSelectorBatch(allowed.astype(np.int64))
    ivf = _ivf(index)
    if ivf is None:
        return None if selector is None else faiss.SearchParameters(sel=selector)
    # Filtered: every list, so matches outside the nearest lists are found too.
    probes = ivf.nlist if selector is not None else min(PROBES, ivf.nlist)
    return faiss.SearchParametersIVF(nprobe=probes, sel=selector)


def stored_ids(index: faiss.Index | faiss.IndexBinary) -> np.ndarray:
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


def stored_vectors(index: faiss.Index | faiss.IndexBinary) -> tuple[np.ndarray, np.ndarray]:
    """Every (id, vector) ``index`` holds, for checks: floats, their 8-bit approximations, or
    their sign bits (see :func:`agrees`)."""
    ids = stored_ids(index)
    if not len(ids):
        return ids, np.empty((0, index.d), dtype=np.float32)
    ivf = _ivf(index)
    if ivf is None:
        return ids, index.index.reconstruct_n(0, len(ids))
    # Reconstructing by id needs a map from id to list position (ids are sparse: a hash table).
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
    return ids, ivf.reconstruct_batch(ids)


def agrees(index: faiss.Index | faiss.IndexBinary, held: np.ndarray, vector: np.ndarray) -> bool:
    """Whether what ``index`` holds for a vector (from :func:`stored_vectors`) is ``vector``:
    equal, within an 8-bit quantisation step, or its sign bits."""
    if _binary(index):
        return np.array_equal(held, _sign_bits(vector.reshape(1, -1))[0])
    if is_lossy(index):
        return np.allclose(held, vector, atol=0.02, rtol=0)
    return np.array_equal(held, vector)


def is_lossy(index: faiss.Index | faiss.IndexBinary) -> bool:
    return plan_of(index).kind in RESCORE_FACTORS


def rescore_factor(index: faiss.Index | faiss.IndexBinary) -> int:
    """Candidates per wanted hit to rescore exactly (1: the index's scores are exact)."""
    return RESCORE_FACTORS.get(plan_of(index).kind, 1)


def clone(index: faiss.Index | faiss.IndexBinary) -> faiss.Index | faiss.IndexBinary:
    if not _binary(index):
        return faiss.clone_index(index)
    # FAISS cannot clone a binary index with ids: a new one with the same codes and ids.
    copy = faiss.IndexBinaryIDMap2(faiss.IndexBinaryFlat(index.d))
    if index.ntotal:
        codes = index.index.reconstruct_n(0, index.ntotal)
        copy.add_with_ids(codes, faiss.vector_to_array(index.id_map))
    return copy


def serialize(index: faiss.Index | faiss.IndexBinary) -> np.ndarray:
    if _binary(index):
        return faiss.serialize_index_binary(index)
    return faiss.serialize_index(index)


def _binary(index: faiss.Index | faiss.IndexBinary) -> bool:
    return isinstance(index, faiss.IndexBinary)


def _sign_bits(vectors: np.ndarray) -> np.ndarray:
    return np.packbits(np.asarray(vectors) > 0, axis=1)


def _ivf(index: faiss.Index | faiss.IndexBinary) -> faiss.IndexIVF | None:
    if _binary(index):
        return None
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:  # not an inverted file
        return None


def _sample(pages: Pages, count: int, size: int) -> np.ndarray:
    """About ``size`` vectors spread evenly over all of them (training points)."""
    step = max(1, count // size)
    return np.ascontiguousarray(np.concatenate(list(_every(pages, step))), dtype=np.float32)


def _every(pages: Pages, step: int) -> Iterator[np.ndarray]:
    seen = 0
    for ids, vectors in pages():
        yield vectors[(-seen) % step :: step]
        seen += len(ids)
