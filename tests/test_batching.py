from retriever.batching import plan_batches


def test_batches_fit_the_budget_and_cover_every_item() -> None:
    counts = [5, 300, 17, 17, 120, 1, 64, 64, 64, 2000]
    batches = plan_batches(counts, budget=512)
    assert sorted(i for batch in batches for i in batch) == list(range(len(counts)))
    for batch in batches:
        longest = max(counts[i] for i in batch)
        assert len(batch) == 1 or len(batch) * longest <= 512


def test_similar_lengths_share_a_batch() -> None:
    batches = plan_batches([10, 500, 11, 490, 12], budget=1000)
    assert [sorted(b) for b in batches] == [[1, 3], [0, 2, 4]]
