def test_an_unchanged_document_is_not_extracted_again(
    tmp_path: Path, tiny_modernbert: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import retriever.ingest.indexing as indexing

    corpus = build(tmp_path / "corpus")
    loaded: list[str] = []
    real_load = indexing.load

    def load(source, **options):  # noqa: ANN001, ANN202 - records what was read and extracted
        loaded.append(source.path)
        return real_load(source, **options)

    monkeypatch.setattr(indexing, "load", load)
    with Retriever.open(tmp_path / "index", model=str(tiny_modernbert)) as retriever:
        retriever.index([corpus])
        loaded.clear()
        assert retriever.index([corpus]).files_unchanged == 5
        assert loaded == ["notes.md"]  # text files are read; documents only hashed
        (corpus / "deck.pptx").write_bytes(pptx([{"title": "Field notes", "body": ["Beavers"]}]))
        assert retriever.index([corpus]).files_indexed == 1
        assert "deck.pptx" in loaded
        assert retriever.search("beavers", k=1, mode="lexical")[0].path == "deck.pptx"
