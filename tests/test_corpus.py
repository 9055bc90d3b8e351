"""Reading, checking and adding versions: the bundled corpus and the shared laws."""

import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policydiff import corpus as corpus_module
from policydiff.corpus import (
    DEFAULT_CORPUS,
    Problem,
    add_version,
    check_corpus,
    check_document,
    find_version,
    load_corpus,
    load_document,
    manifest_text,
    missing_note,
    read_manifest,
    read_text_file,
    read_version,
    sha256_file,
)
from policydiff.errors import (
    ChecksumError,
    InputError,
    ManifestError,
    PolicydiffError,
    UnknownDocumentError,
    UnknownVersionError,
)

REPO = Path(__file__).parents[1]
BUNDLED = REPO / "versions"
SHARED = Path(__file__).parents[2] / "shared" / "corpora"
BEIJING = "beijing-services-pilot"
FOOD = "food-safety-law"
ANIMAL = "animal-epidemic-prevention-law"
BEIJING_2019_SHA = "d56fa5d5ca71da93f04a3dff58c4a2b11f3dceaa3b5bc789f2866602f7411e2e"
BEIJING_MANIFEST = Path("versions", BEIJING, "manifest.toml")

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason=f"{SHARED} (the shared law series) is not beside the checkout",
)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` and its bytes, to show that nothing changed."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    """A copy of the bundled corpus at ``versions/`` in the working folder."""
    shutil.copytree(BUNDLED, tmp_path / "versions")
    monkeypatch.chdir(tmp_path)
    return Path("versions")


# ---------------------------------------------------------------------------- reading


def test_bundled_corpus():
    loaded = load_corpus(BUNDLED)
    assert [d.slug for d in loaded.documents] == [BEIJING, FOOD]
    beijing, food = loaded.documents
    assert beijing.title == "北京市服务业扩大开放综合试点"
    assert [(v.label, v.status) for v in beijing.versions] == [
        ("2015", "missing"),
        ("2017", "missing"),
        ("2019", "present"),
    ]
    assert [v.doc_number for v in beijing.versions] == [
        "国函〔2015〕81号",
        "国函〔2017〕86号",
        None,
    ]
    assert [v.date for v in beijing.versions] == [
        "2015-05-21",
        "2017-06-25",
        "2019-02-22",
    ]
    assert [v.label for v in beijing.present_versions] == ["2019"]
    version = read_version(beijing, "2019")
    assert version.info.sha256 == BEIJING_2019_SHA == sha256_file(version.path)
    assert version.text.lstrip().startswith("北京市服务业扩大开放综合试点开展以来")
    assert "三、组织实施" in version.text
    assert food.title == "中华人民共和国食品安全法"
    assert [(v.label, v.title) for v in food.versions] == [
        ("1995", "中华人民共和国食品卫生法"),
        ("2009", "中华人民共和国食品安全法"),
        ("2015", "中华人民共和国食品安全法"),
    ]
    texts = [read_version(food, v.label).text for v in food.versions]
    assert texts[0].rstrip().endswith("《中华人民共和国食品卫生法（试行）》同时废止。")
    assert "第一百五十四条 本法自2015年10月1日起施行。" in texts[2]
    # 2015 has a url to fetch from; 2017 has none, so its text has to be added.
    assert check_corpus(loaded) == [
        Problem(
            BEIJING,
            "2015",
            "warning",
            "text missing; fetch it with policydiff fetch beijing-services-pilot 2015",
        ),
        Problem(
            BEIJING,
            "2017",
            "warning",
            "text missing; add it with"
            " policydiff add beijing-services-pilot FILE --label 2017",
        ),
    ]


def test_bundled_manifests_are_as_the_writer_writes_them():
    # add_version rewrites the manifest; it must not reformat the ones we ship.
    for document in load_corpus(BUNDLED).documents:
        assert manifest_text(document) == document.manifest.read_text(encoding="utf-8")


def test_default_corpus_and_slug_lookup(monkeypatch):
    monkeypatch.chdir(REPO)
    assert DEFAULT_CORPUS == Path("versions")
    assert [d.slug for d in load_corpus().documents] == [BEIJING, FOOD]
    document = load_document(BEIJING)
    assert document.manifest == BEIJING_MANIFEST
    assert load_document("versions/food-safety-law") == load_document(FOOD)
    assert load_document(Path("versions", FOOD, "manifest.toml")) == load_document(FOOD)


@needs_shared
def test_bare_folder_is_read_as_it_is(monkeypatch):
    monkeypatch.chdir(REPO)
    document = load_document("../shared/corpora/food-safety-law")
    assert document.slug == FOOD
    assert document.manifest is None
    assert [(v.label, v.status, v.file, v.sha256) for v in document.versions] == [
        ("1995", "present", "1995.txt", None),
        ("2009", "present", "2009.txt", None),
        ("2015", "present", "2015.txt", None),
    ]
    bundled = load_document(FOOD)
    for label in ("1995", "2009", "2015"):
        assert read_version(document, label).text == read_version(bundled, label).text
    assert check_document(document) == []


@needs_shared
def test_shared_corpora_as_a_corpus():
    loaded = load_corpus(SHARED)
    assert [d.slug for d in loaded.documents] == [ANIMAL, FOOD]
    animal = load_document(ANIMAL, corpus=SHARED)
    assert [v.label for v in animal.versions] == [
        "1997",
        "2007",
        "2013",
        "2015",
        "2020-draft-1",
        "2020-draft-2",
        "2021",
    ]
    assert read_version(animal, "1997").text.startswith("中华人民共和国动物防疫法\n")
    assert check_corpus(loaded) == []


def test_read_text_file_normalises_line_endings_and_drops_the_bom(tmp_path):
    text = (BUNDLED / FOOD / "2009.txt").read_text(encoding="utf-8")
    path = tmp_path / "2009.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert read_text_file(path) == text
    path.write_bytes(text.replace("\n", "\r").encode("utf-8"))
    assert read_text_file(path) == text


@given(
    st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
    ).filter(str.strip),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.booleans(),
)
def test_read_text_file_round_trips_any_text(tmp_path_factory, text, newline, bom):
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    path = tmp_path_factory.mktemp("text") / "version.txt"
    path.write_bytes(
        (b"\xef\xbb\xbf" if bom else b"") + expected.replace("\n", newline).encode()
    )
    assert read_text_file(path) == expected


# ---------------------------------------------------------------------------- adding


@needs_shared
def test_add_a_new_document(corpus, tmp_path):
    source = SHARED / ANIMAL
    info = add_version(
        ANIMAL,
        source / "1997.txt",
        "1997",
        corpus=corpus,
        title="中华人民共和国动物防疫法",
    )
    add_version(ANIMAL, source / "2007.txt", "2007", corpus=corpus, date="2007")
    assert info.sha256 == sha256_file(source / "1997.txt")
    document = load_document(ANIMAL, corpus=corpus)
    assert document.manifest == corpus / ANIMAL / "manifest.toml"
    assert document.title == "中华人民共和国动物防疫法"
    assert [(v.label, v.file, v.date) for v in document.versions] == [
        ("1997", "1997.txt", None),
        ("2007", "2007.txt", "2007"),
    ]
    assert document.versions[0] == info
    for label in ("1997", "2007"):
        assert (corpus / ANIMAL / f"{label}.txt").read_bytes() == (
            source / f"{label}.txt"
        ).read_bytes()
        assert read_version(document, label).text == read_text_file(
            source / f"{label}.txt"
        )
    assert check_document(document) == []
    assert sorted(p.name for p in (corpus / ANIMAL).iterdir()) == [
        "1997.txt",
        "2007.txt",
        "manifest.toml",
    ]


def test_add_fills_a_missing_version(corpus, tmp_path):
    # Turn the bundled 2009 version into a missing one, then add its text back.
    manifest = corpus / FOOD / "manifest.toml"
    shipped = manifest.read_bytes()
    text = (corpus / FOOD / "2009.txt").read_bytes()
    food = load_document(FOOD, corpus=corpus)
    v2009 = food.versions[1]
    missing = dataclasses.replace(
        v2009,
        status="missing",
        file=None,
        sha256=None,
        note=f"{v2009.note} {missing_note(FOOD, '2009')}",
    )
    food = dataclasses.replace(
        food, versions=(food.versions[0], missing, food.versions[2])
    )
    manifest.write_text(manifest_text(food), encoding="utf-8")
    (corpus / FOOD / "2009.txt").rename(tmp_path / "2009.txt")
    with pytest.raises(UnknownVersionError):
        read_version(load_document(FOOD, corpus=corpus), "2009")

    info = add_version(FOOD, tmp_path / "2009.txt", "2009", corpus=corpus)

    assert info == v2009
    assert manifest.read_bytes() == shipped
    assert (corpus / FOOD / "2009.txt").read_bytes() == text
    assert not (corpus / FOOD / "2009.txt.bak").exists()


def test_add_refuses_a_present_version(corpus):
    before = snapshot(corpus)
    with pytest.raises(PolicydiffError) as e:
        add_version(BEIJING, corpus / BEIJING / "2019.txt", "2019", corpus=corpus)
    assert str(e.value) == (
        "versions/beijing-services-pilot/2019.txt: version 2019 of"
        " beijing-services-pilot already has a text; use --replace to replace it"
        " (the old text is kept as .bak)"
    )
    assert snapshot(corpus) == before


def test_add_replace_keeps_the_old_text(corpus, tmp_path):
    folder = corpus / FOOD
    old = (folder / "2015.txt").read_bytes()
    new = (folder / "2009.txt").read_bytes()
    crlf = tmp_path / "2015-crlf.txt"
    crlf.write_bytes(new.replace(b"\n", b"\r\n"))

    info = add_version(FOOD, crlf, "2015", corpus=corpus, replace=True)

    assert (folder / "2015.txt").read_bytes() == new
    assert (folder / "2015.txt.bak").read_bytes() == old
    assert info.sha256 == hashlib.sha256(new).hexdigest()
    food = load_document(FOOD, corpus=corpus)
    assert food.versions[2] == info
    assert info.title == "中华人民共和国食品安全法"
    assert info.source is None  # the recorded source described the replaced text
    assert read_version(food, "2015").text == new.decode("utf-8")
    assert check_document(food) == []


def test_add_replace_with_the_same_text_keeps_the_source(corpus):
    before = find_version(load_document(FOOD, corpus=corpus), "2009")
    path = corpus / FOOD / "2009.txt"

    info = add_version(FOOD, path, "2009", corpus=corpus, replace=True)

    assert info.source == before.source and info.sha256 == before.sha256


def test_bare_folder_versions_are_in_natural_order(tmp_path):
    """v9 before v10 and 2019 before 2019-amended, which a plain sort of the file names
    gets wrong; a .TXT file counts too."""
    text = (BUNDLED / FOOD / "2009.txt").read_bytes()
    for name in ("v10.txt", "v9.TXT", "2019-amended.txt", "2019.txt"):
        (tmp_path / name).write_bytes(text)
    labels = [v.label for v in load_document(tmp_path).versions]
    assert labels == ["2019", "2019-amended", "v9", "v10"]


def test_a_document_folder_is_not_a_corpus(tmp_path):
    shutil.copytree(BUNDLED / FOOD, tmp_path / FOOD)
    with pytest.raises(PolicydiffError, match="is a document folder, not a corpus"):
        load_corpus(tmp_path / FOOD)


def test_check_warns_of_a_version_without_checksum(corpus):
    manifest = corpus / FOOD / "manifest.toml"
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    manifest.write_text("".join(l for l in lines if not l.startswith("sha256")))
    problems = check_document(load_document(FOOD, corpus=corpus))
    assert [(p.label, p.severity) for p in problems] == [
        ("1995", "warning"),
        ("2009", "warning"),
        ("2015", "warning"),
    ]
    assert "records no sha256 for this version" in problems[0].message


def test_a_new_english_document_is_recorded_as_english(tmp_path):
    english = tmp_path / "law.txt"
    english.write_text(
        "Article 1 This Law is formulated to ensure food safety and to protect the"
        " health and lives of the public.\n"
        "Article 2 This Law applies to food production and processing.\n",
        encoding="utf-8",
    )
    add_version("food-law-en", english, "2015", corpus=tmp_path)
    assert load_document("food-law-en", corpus=tmp_path).language == "en"
    bare = tmp_path / "bare-en"
    bare.mkdir()
    shutil.copy(english, bare / "2009.txt")
    add_version(bare, english, "2015", corpus=tmp_path)
    assert load_document(bare).language == "en"
    add_version("food-law", BUNDLED / FOOD / "2015.txt", "2015", corpus=tmp_path)
    assert load_document("food-law", corpus=tmp_path).language == "zh"


def test_adding_to_a_bare_folder_records_the_checksums_it_holds(tmp_path):
    folder = tmp_path / FOOD
    folder.mkdir()
    shutil.copy(BUNDLED / FOOD / "2009.txt", folder)

    add_version(folder, BUNDLED / FOOD / "2015.txt", "2015", corpus=tmp_path)

    document = load_document(folder)
    assert [v.sha256 for v in document.versions] == [
        hashlib.sha256((BUNDLED / FOOD / name).read_bytes()).hexdigest()
        for name in ("2009.txt", "2015.txt")
    ]
    assert check_document(document) == []


def test_add_writes_nothing_when_the_manifest_cannot_be_written(
    corpus, tmp_path, monkeypatch
):
    source = tmp_path / "2009.txt"
    source.write_bytes((corpus / FOOD / "2009.txt").read_bytes())
    before = snapshot(corpus)
    write = corpus_module.atomic_write

    def failing_write(path, data):
        if path.name == "manifest.toml":
            raise OSError(28, "No space left on device")
        write(path, data)

    monkeypatch.setattr(corpus_module, "atomic_write", failing_write)
    with pytest.raises(OSError):
        add_version(FOOD, source, "2015", corpus=corpus, replace=True)
    with pytest.raises(OSError):
        add_version("new-law", source, "2009", corpus=corpus)
    assert snapshot(corpus) == before
    assert not (corpus / "new-law").exists()


# ---------------------------------------------------------------------------- bad input


def write_bad_input(tmp_path: Path, name: str) -> Path:
    """Write one of the bad input files the tests feed to ``add``."""
    path = tmp_path / name
    plan = (BUNDLED / BEIJING / "2019.txt").read_text(encoding="utf-8")
    contents = {
        "empty.txt": b"",
        "blank.txt": "\u3000\n  \r\n\t".encode(),
        "invisible.txt": "\ufeff\u200b\n\u200b\n".encode(),
        "plan.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "2019-gb18030.txt": plan.encode("gb18030"),
        "2019-utf16.txt": plan.encode("utf-16"),
    }
    if name in contents:
        path.write_bytes(contents[name])
    return path


@pytest.mark.parametrize(
    "name,message",
    [
        ("absent.txt", "absent.txt: no such file; check the path"),
        ("empty.txt", "empty.txt: file is empty"),
        (
            "blank.txt",
            "blank.txt: file holds only whitespace (or invisible characters)",
        ),
        (
            "invisible.txt",
            "invisible.txt: file holds only whitespace (or invisible characters)",
        ),
        (
            "plan.png",
            (
                "plan.png: an image (PNG), not a text; run OCR on it first, or give the"
                " text as a text, HTML, .docx or PDF file"
            ),
        ),
        ("versions", "versions: is a folder, not a text file"),
    ],
)
def test_add_refuses_bad_text(corpus, tmp_path, name, message):
    path = write_bad_input(tmp_path, name).relative_to(tmp_path)
    before = snapshot(corpus)
    for document in (BEIJING, "new-law"):
        with pytest.raises(InputError) as e:
            add_version(document, path, "2015", corpus=corpus, date="2015-05-21")
        assert str(e.value) == message
    assert snapshot(corpus) == before


@pytest.mark.parametrize(
    "name,message",
    [
        ("empty.txt", "empty.txt: file is empty"),
        (
            "plan.png",
            "plan.png: binary file (NUL byte at offset 8); give a UTF-8 text file",
        ),
        (
            "2019-gb18030.txt",
            (
                "2019-gb18030.txt: not UTF-8 text (byte 0xb1 at offset 1);"
                " convert it to UTF-8 first"
            ),
        ),
        ("2019-utf16.txt", "2019-utf16.txt: UTF-16 text; convert it to UTF-8 first"),
    ],
)
def test_stored_texts_must_be_utf8(corpus, tmp_path, name, message):
    # A version's stored text is read strictly; add converts other encodings.
    path = write_bad_input(tmp_path, name).relative_to(tmp_path)
    with pytest.raises(InputError) as e:
        read_text_file(path)
    assert str(e.value) == message


@pytest.mark.parametrize(
    "name,encoding", [("2019-gb18030.txt", "gb18030"), ("2019-utf16.txt", "utf-16")]
)
def test_add_converts_other_encodings_and_keeps_the_original(
    corpus, tmp_path, name, encoding
):
    path = write_bad_input(tmp_path, name)
    info = add_version(BEIJING, path, "2020", corpus=corpus, date="2020")
    folder = corpus / BEIJING
    plan = (BUNDLED / BEIJING / "2019.txt").read_bytes()
    assert (folder / "2020.txt").read_bytes() == plan
    assert (folder / "2020.orig.txt").read_bytes() == path.read_bytes()
    assert (info.encoding, info.original_file, info.original_sha256) == (
        encoding,
        "2020.orig.txt",
        sha256_file(path),
    )
    beijing = load_document(BEIJING, corpus=corpus)
    assert beijing.versions[-1] == info
    assert [p.label for p in check_document(beijing)] == ["2015", "2017"]


@pytest.mark.parametrize(
    "document,label,date,message",
    [
        (
            BEIJING,
            "2015",
            "2015-02-30",
            "bad date '2015-02-30' for version 2015; use YYYY-MM-DD, YYYY-MM or YYYY",
        ),
        (
            BEIJING,
            "2015 plan",
            None,
            (
                "bad version label '2015 plan'; use letters, digits, '.', '_' or '-'"
                " (2019, 2020-draft-1)"
            ),
        ),
        (
            BEIJING,
            "../2015",
            None,
            (
                "bad version label '../2015'; use letters, digits, '.', '_' or '-'"
                " (2019, 2020-draft-1)"
            ),
        ),
        (
            "Food_Law",
            "2015",
            None,
            (
                "bad document name 'Food_Law'; a new document's name uses a-z, 0-9"
                " and '-' (beijing-services-pilot)"
            ),
        ),
    ],
)
def test_add_refuses_bad_metadata(corpus, document, label, date, message):
    before = snapshot(corpus)
    with pytest.raises(InputError) as e:
        add_version(
            document, corpus / FOOD / "2009.txt", label, corpus=corpus, date=date
        )
    assert str(e.value) == message
    assert snapshot(corpus) == before


def test_add_refuses_to_overwrite_an_unlisted_file(corpus):
    stray = corpus / BEIJING / "2015.txt"
    stray.write_bytes((corpus / FOOD / "1995.txt").read_bytes())
    before = snapshot(corpus)
    with pytest.raises(InputError) as e:
        add_version(BEIJING, corpus / FOOD / "2009.txt", "2015", corpus=corpus)
    assert str(e.value) == (
        "versions/beijing-services-pilot/2015.txt: the file exists but"
        " versions/beijing-services-pilot/manifest.toml does not list it as a present"
        " version; move the file away first"
    )
    assert snapshot(corpus) == before
    assert check_document(load_document(BEIJING, corpus=corpus))[-1] == Problem(
        BEIJING,
        None,
        "warning",
        "versions/beijing-services-pilot/2015.txt: not listed in"
        " versions/beijing-services-pilot/manifest.toml; add it with"
        " policydiff add beijing-services-pilot FILE --label 2015, or move it away",
    )


def edit_manifest(old: str, new: str) -> None:
    text = BEIJING_MANIFEST.read_text(encoding="utf-8")
    assert old in text
    BEIJING_MANIFEST.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "old,new,message",
    [
        (
            'label = "2017"',
            'label = 2017"',
            (
                "invalid TOML: Expected newline or end of document after a statement"
                " (at line 18, column 13); fix the manifest"
            ),
        ),
        (
            'date = "2015-05-21"',
            'date = "2015-02-30"',
            "version 2015: bad date '2015-02-30'; use YYYY-MM-DD, YYYY-MM or YYYY",
        ),
        (
            'date = "2015-05-21"',
            'date = "2015/05/21"',
            "version 2015: bad date '2015/05/21'; use YYYY-MM-DD, YYYY-MM or YYYY",
        ),
        (
            'date = "2017-06-25"',
            'date = "2017-13"',
            "version 2017: bad date '2017-13'; use YYYY-MM-DD, YYYY-MM or YYYY",
        ),
        (
            "[[versions]]",
            "[[version]]",
            (
                "unknown key 'version'; the keys a manifest may hold are"
                " title, issuer, description, language, source, versions"
            ),
        ),
        (
            'label = "2017"',
            'lable = "2017"',
            '[[versions]] entry 2 has no label; add label = "…"',
        ),
        (
            'label = "2017"',
            "label = 2017",
            '[[versions]] entry 2: label must be a string; write label = "2017"',
        ),
        (
            'label = "2017"',
            'label = "2015"',
            "version 2015 is listed twice; give each version its own label",
        ),
        (
            'status = "missing"',
            'status = "lost"',
            "version 2015: status 'lost' is not one of present, missing",
        ),
        (
            'status = "missing"',
            'status = "present"',
            (
                "version 2015: status is present but no file is given;"
                ' add file = "2015.txt" or set status = "missing"'
            ),
        ),
        (
            'file = "2019.txt"',
            'file = "../food-safety-law/2009.txt"',
            (
                "version 2019: file '../food-safety-law/2009.txt' must be a file name"
                " inside the document folder"
            ),
        ),
        (
            'doc_number = "国函〔2017〕86号"',
            'number = "国函〔2017〕86号"',
            (
                "version 2017: unknown key 'number'; the keys a version may hold are"
                " label, status, file, date, title, issuer, doc_number, source, sha256,"
                " url, start, end, encoding, original_file, original_sha256, final_url,"
                " retrieved_at, http_status, content_type, note"
            ),
        ),
        (
            'sha256 = "d56f',
            'sha256 = "D56f',
            "version 2019: sha256 must be 64 lowercase hex digits",
        ),
    ],
)
def test_bad_manifest(corpus, tmp_path, old, new, message):
    edit_manifest(old, new)
    before = snapshot(corpus)
    expected = f"{BEIJING_MANIFEST}: {message}"
    with pytest.raises(ManifestError) as e:
        read_manifest(BEIJING_MANIFEST)
    assert str(e.value) == expected
    with pytest.raises(ManifestError) as e:
        load_corpus(corpus)
    assert str(e.value) == expected
    with pytest.raises(ManifestError) as e:
        add_version(BEIJING, corpus / BEIJING / "2019.txt", "2020", corpus=corpus)
    assert str(e.value) == expected
    assert snapshot(corpus) == before


def test_manifest_without_versions(corpus):
    text = BEIJING_MANIFEST.read_text(encoding="utf-8")
    BEIJING_MANIFEST.write_text(text[: text.index("[[versions]]")], encoding="utf-8")
    with pytest.raises(ManifestError) as e:
        read_manifest(BEIJING_MANIFEST.parent)
    assert str(e.value) == (
        f"{BEIJING_MANIFEST}: no versions; list each version in a [[versions]] table"
        " with a label"
    )


@pytest.mark.parametrize("date", ["2015", "2015-05", "2016-02-29"])
def test_manifest_dates_may_be_partial(corpus, date):
    edit_manifest('date = "2015-05-21"', f'date = "{date}"')
    assert read_manifest(BEIJING_MANIFEST).versions[0].date == date


def test_unknown_document(corpus):
    before = snapshot(corpus)
    with pytest.raises(UnknownDocumentError) as e:
        load_document("beijing", corpus=corpus)
    assert str(e.value) == (
        "no document 'beijing' in versions; the documents are: beijing-services-pilot,"
        " food-safety-law"
    )
    with pytest.raises(UnknownDocumentError) as e:
        load_document("beijing", corpus="nowhere")
    assert str(e.value) == (
        "no document 'beijing': it is not a folder and corpus folder nowhere"
        " does not exist; pass --corpus PATH"
    )
    assert snapshot(corpus) == before


def test_missing_corpus_folder(corpus):
    with pytest.raises(PolicydiffError) as e:
        load_corpus("nowhere")
    assert str(e.value) == (
        "corpus folder nowhere does not exist;"
        " run from the project folder or pass --corpus PATH"
    )


def test_unknown_and_missing_versions(corpus):
    before = snapshot(corpus)
    beijing = load_document(BEIJING, corpus=corpus)
    with pytest.raises(UnknownVersionError) as e:
        read_version(beijing, "2020")
    assert str(e.value) == (
        "document beijing-services-pilot has no version '2020';"
        " its versions are: 2015, 2017, 2019"
    )
    with pytest.raises(UnknownVersionError) as e:
        read_version(beijing, "2015")
    assert str(e.value) == (
        "version 2015 of beijing-services-pilot: text missing (the manifest has only"
        " its metadata); add it with policydiff add beijing-services-pilot FILE"
        " --label 2015"
    )
    assert snapshot(corpus) == before


def test_checksum_mismatch(corpus):
    path = corpus / BEIJING / "2019.txt"
    path.write_bytes(
        path.read_bytes().replace("全面推进".encode(), "深入推进".encode(), 1)
    )
    before = snapshot(corpus)
    actual = sha256_file(path)
    message = (
        f"versions/beijing-services-pilot/2019.txt: sha256 is {actual[:12]}…,"
        " the manifest records d56fa5d5ca71…; if the text was changed on purpose,"
        " re-add it with policydiff add beijing-services-pilot FILE --label 2019"
        " --replace"
    )
    beijing = load_document(BEIJING, corpus=corpus)
    with pytest.raises(ChecksumError) as e:
        read_version(beijing, "2019")
    assert str(e.value) == message
    assert check_document(beijing)[-1] == Problem(BEIJING, "2019", "error", message)
    assert snapshot(corpus) == before
    # Re-adding the changed text on purpose records its new sha256.
    add_version(BEIJING, path, "2019", corpus=corpus, replace=True)
    assert (
        read_version(load_document(BEIJING, corpus=corpus), "2019").info.sha256
        == actual
    )


def test_listed_file_missing(corpus):
    (corpus / FOOD / "1995.txt").unlink()
    before = snapshot(corpus)
    message = (
        "versions/food-safety-law/1995.txt: no such file, but"
        " versions/food-safety-law/manifest.toml lists it for version 1995;"
        " restore the file or set the version's status to missing"
    )
    food = load_document(FOOD, corpus=corpus)
    with pytest.raises(InputError) as e:
        read_version(food, "1995")
    assert str(e.value) == message
    assert check_corpus(load_corpus(corpus))[-1] == Problem(
        FOOD, "1995", "error", message
    )
    assert snapshot(corpus) == before


def test_a_new_version_goes_where_its_date_puts_it(tmp_path):
    corpus = tmp_path / "versions"
    shutil.copytree(BUNDLED, corpus)
    source = tmp_path / "draft.txt"
    source.write_text("第一条 为保证食品卫生，制定本法。\n", encoding="utf-8")
    add_version(FOOD, source, "1990", corpus=corpus, date="1990-01-01")
    add_version(FOOD, source, "draft", corpus=corpus)
    labels = [v.label for v in load_corpus(corpus).documents[1].versions]
    assert labels == ["1990", "1995", "2009", "2015", "draft"]


@pytest.mark.parametrize("name", ["", ".", "../elsewhere"])
def test_add_refuses_a_document_name_outside_the_corpus(tmp_path, name):
    corpus = tmp_path / "versions"
    shutil.copytree(BUNDLED, corpus)
    source = tmp_path / "t.txt"
    source.write_text("第一条 为保证食品卫生，制定本法。\n", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(InputError):
        add_version(name, source, "2000", corpus=corpus)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
