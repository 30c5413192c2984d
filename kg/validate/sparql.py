"""The kg shapes translated into SPARQL, run against the store graph by graph (no copy into rdflib).

:func:`compile_checks` reads a SHACL shapes graph (:func:`kg.shapes.shapes_graph`)
into :class:`Check` objects, one per node shape, target class and constraint;
:func:`check_graph` runs them on one graph of the store. Each constraint
component is one query in ``kg/queries/internal/validate/`` whose parameters
(``?target``, ``?path``, ``?param``) are bound with pyoxigraph's
substitutions; a component the translation does not know is refused with a
:class:`~kg.errors.ShapesError` rather than skipped, so the shapes stay the one
source of what is checked.

The data graph of a graph ``g`` is ``g`` itself plus the ontology graph (its
``rdfs:subClassOf`` axioms make a subclass's instances targets and values of
their superclasses), the same data graph the pySHACL workers get
(:mod:`kg.validate.briefings`), so the two agree node for node.

Examples
--------
>>> from kg.shapes import shapes_graph
>>> checks = compile_checks(shapes_graph())
>>> sorted({c.query for c in checks})[:4]
['class', 'datatype', 'focus', 'in']
>>> store = ox.Store()
>>> g = ox.NamedNode("https://w3id.org/codekg/codeset/pos/2025/0123456789ab")
>>> site = ox.NamedNode("https://w3id.org/codekg/pos/99")
>>> store.add(ox.Quad(site, ox.NamedNode(RDF_TYPE), ox.NamedNode(KG_NS + "SiteOfService"), g))
>>> [(v.focus, v.component.rsplit("#")[1]) for v in check_graph(store, g.value, checks)]
[('<https://w3id.org/codekg/pos/99>', 'MinCountConstraintComponent')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from kg.errors import ShapesError
from kg.queries import internal_query
from kg.vocab import ONTOLOGY, PREFIXES

__all__ = ["COMPONENTS", "FEW", "SCRATCH", "Check", "Violation", "check_graph", "check_graphs", "compile_checks",
           "data_graphs"]

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
KG_NS = "https://w3id.org/codekg/ontology#"
_PREFIXES = {**PREFIXES, "sh": SH}


@dataclass(frozen=True)
class Component:
    """One SHACL constraint component the translation runs: its query and the message pyshacl would give."""

    query: str
    component: str
    message: str


COMPONENTS: dict[str, Component] = {
    "class": Component("class", "ClassConstraintComponent", "Value does not have class {param}"),
    "datatype": Component("datatype", "DatatypeConstraintComponent", "Value is not Literal with datatype {param}"),
    "nodeKind": Component("node-kind", "NodeKindConstraintComponent", "Value is not of Node Kind {param}"),
    "pattern": Component("pattern", "PatternConstraintComponent", "Value does not match pattern '{param}'"),
    "minLength": Component("min-length", "MinLengthConstraintComponent", "String length not >= {param}"),
    "maxLength": Component("max-length", "MaxLengthConstraintComponent", "String length not <= {param}"),
    "minInclusive": Component("min-inclusive", "MinInclusiveConstraintComponent", "Value is not >= {param}"),
    "maxInclusive": Component("max-inclusive", "MaxInclusiveConstraintComponent", "Value is not <= {param}"),
    "minExclusive": Component("min-exclusive", "MinExclusiveConstraintComponent", "Value is not > {param}"),
    "maxExclusive": Component("max-exclusive", "MaxExclusiveConstraintComponent", "Value is not < {param}"),
    "hasValue": Component("has-value", "HasValueConstraintComponent", "Node does not have value {param}"),
    "in": Component("in", "InConstraintComponent", "Value is not in the sh:in list"),
    "minCount": Component("min-count", "MinCountConstraintComponent", "Less than {param} values on {path}"),
    "maxCount": Component("max-count", "MaxCountConstraintComponent", "More than {param} values on {path}"),
}
"""The constraint components of a property shape the translation supports, by their ``sh:`` parameter."""

_NODE_COMPONENTS = {"nodeKind": Component("node-kind-focus", "NodeKindConstraintComponent",
                                          "Value is not of Node Kind {param}")}
"""The components of a node shape itself (besides ``sh:property`` and ``sh:sparql``)."""

_ANNOTATIONS = {"message", "name", "description", "severity", "order", "group", "defaultValue", "deactivated", "path",
                "flags"}
"""``sh:`` terms of a shape that check nothing (``sh:flags`` goes with ``sh:pattern``)."""


@dataclass(frozen=True)
class Violation:
    """One validation result: the graph it is in, its focus node, and what is wrong.

    Terms are in N-Triples syntax (``<iri>``, ``"text"^^<datatype>``);
    ``graph`` is the graph IRI, ``""`` for the default graph.

    Examples
    --------
    >>> v = Violation("http://g", "<http://x>", "Less than 1 values on skos:notation",
    ...               SH + "MinCountConstraintComponent", path="http://www.w3.org/2004/02/skos/core#notation")
    >>> v.key()
    ('<http://x>', 'http://www.w3.org/ns/shacl#MinCountConstraintComponent', 'http://www.w3.org/2004/02/skos/core#notation', None)
    """

    graph: str
    focus: str
    message: str
    component: str
    path: str | None = None
    value: str | None = None
    severity: str = SH + "Violation"
    shape: str = ""

    def key(self) -> tuple[str, str, str | None, str | None]:
        """What two validators must agree on: focus node, component, path and value."""
        return self.focus, self.component, self.path, self.value


@dataclass(frozen=True)
class Check:
    """One constraint of one shape on the instances of one target class, as a query and its parameters.

    Examples
    --------
    >>> from kg.shapes import shapes_graph
    >>> c = next(c for c in compile_checks(shapes_graph()) if c.query == "pattern")
    >>> c.component.rsplit("#")[1], c.path
    ('PatternConstraintComponent', 'https://w3id.org/codekg/ontology#sha256')
    """

    shape: str
    target: str
    query: str
    component: str
    message: str
    severity: str = SH + "Violation"
    path: str | None = None
    param: ox.NamedNode | ox.Literal | None = None
    flags: str = ""
    allowed: tuple = field(default=())
    select: str | None = None
    prefixes: tuple = field(default=())

    def substitutions(self) -> dict[ox.Variable, object]:
        subs: dict[ox.Variable, object] = {ox.Variable("target"): ox.NamedNode(self.target)}
        if self.path is not None:
            subs[ox.Variable("path")] = ox.NamedNode(self.path)
        if self.param is not None and self.query not in ("class", "pattern"):  # these go in text()
            subs[ox.Variable("param")] = self.param
        return subs

    def text(self, classes: tuple = ()) -> str:
        """The query; ``classes`` are the classes whose instances sh:class accepts (its param and subclasses)."""
        text = internal_query(f"validate/{self.query}")
        if self.query == "in":
            text = _fill_values(text, "allowed", self.allowed)
        if self.query == "class":
            text = _fill_values(text, "type", classes)
        if self.query == "pattern":  # a constant pattern is compiled once, a substituted one once per row
            text = re.sub(r"\?param\b", lambda m: str(self.param), text)
            text = re.sub(r"\?flags\b", lambda m: str(ox.Literal(self.flags)), text)
        return text


def _fill_values(text: str, var: str, terms) -> str:
    """``text`` with its empty ``VALUES ?var { }`` holding ``terms``, written by pyoxigraph (so quoted safely)."""
    return re.sub(r"VALUES\s+\?" + var + r"\s*\{\s*\}",
                  lambda m: f"VALUES ?{var} {{ " + " ".join(map(str, terms)) + " }", text, count=1)


def _ox(term) -> ox.NamedNode | ox.Literal:
    """An rdflib IRI or literal as a pyoxigraph term."""
    from rdflib import Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    raise ShapesError(f"a blank node {term} where kg's SPARQL translation needs an IRI or a literal")


def _short(iri: str) -> str:
    for prefix, ns in _PREFIXES.items():
        if iri.startswith(ns) and re.fullmatch(r"[A-Za-z_][\w.-]*", iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def _name(g, node) -> str:
    from rdflib import URIRef

    return _short(str(node)) if isinstance(node, URIRef) else f"a property shape ({node.n3()})"


def compile_checks(shapes) -> list[Check]:
    """Every constraint of the rdflib shapes graph ``shapes``, as :class:`Check` objects.

    Node shapes are targeted with ``sh:targetClass``; their property shapes
    need a plain IRI ``sh:path``. The components are :data:`COMPONENTS`, plus
    ``sh:nodeKind`` and SELECT-based ``sh:sparql`` constraints (``$this`` only)
    on node shapes. A deactivated shape is skipped.

    Raises
    ------
    ShapesError
        For a target, path or constraint component the translation does not
        support, naming the shape.

    Examples
    --------
    >>> from rdflib import Graph
    >>> g = Graph().parse(data='''@prefix sh: <http://www.w3.org/ns/shacl#> .
    ... <http://s> a sh:NodeShape ; sh:targetClass <http://C> ;
    ...     sh:property [ sh:path <http://p> ; sh:minCount 1 ; sh:uniqueLang true ] .''', format="turtle")
    >>> compile_checks(g)
    Traceback (most recent call last):
    ...
    kg.errors.ShapesError: shape <http://s>: sh:uniqueLang is a constraint kg's SPARQL translation does not support (kg/validate/sparql.py COMPONENTS)
    """
    from rdflib import RDF, URIRef
    from rdflib.collection import Collection

    sh = lambda name: URIRef(SH + name)  # noqa: E731
    nodes = set(shapes.subjects(RDF.type, sh("NodeShape"))) | set(shapes.subjects(sh("targetClass"), None))
    checks: list[Check] = []
    for node in sorted(nodes, key=str):
        name = _name(shapes, node)
        if _true(shapes.value(node, sh("deactivated"))):
            continue
        for p in ("targetNode", "targetSubjectsOf", "targetObjectsOf", "target"):
            if shapes.value(node, sh(p)) is not None:
                raise ShapesError(f"shape {name}: sh:{p} is a target kg's SPARQL translation does not support "
                                  "(only sh:targetClass)")
        targets = sorted(str(t) for t in shapes.objects(node, sh("targetClass")))
        severity = str(shapes.value(node, sh("severity")) or sh("Violation"))
        for p, o in sorted(shapes.predicate_objects(node)):
            local = str(p)[len(SH):] if str(p).startswith(SH) else None
            if local is None or local in _ANNOTATIONS or local in ("targetClass", "property", "sparql"):
                continue
            if local not in _NODE_COMPONENTS:
                raise ShapesError(f"shape {name}: sh:{local} on a node shape is a constraint kg's SPARQL translation "
                                  "does not support (kg/validate/sparql.py)")
            c = _NODE_COMPONENTS[local]
            message = str(shapes.value(node, sh("message")) or c.message.format(param=_short(str(o)), path=""))
            checks += [Check(str(node), t, c.query, SH + c.component, message, severity, param=_ox(o)) for t in targets]
        for constraint in shapes.objects(node, sh("sparql")):
            checks += _sparql_checks(shapes, node, name, constraint, targets, severity)
        for prop in shapes.objects(node, sh("property")):
            if _true(shapes.value(prop, sh("deactivated"))):
                continue
            path = shapes.value(prop, sh("path"))
            if not isinstance(path, URIRef):
                raise ShapesError(f"shape {name}: a property shape's sh:path {path} is not an IRI; kg's SPARQL "
                                  "translation supports predicate paths only")
            prop_severity = str(shapes.value(prop, sh("severity")) or severity)
            own_message = shapes.value(prop, sh("message"))
            for p, o in sorted(shapes.predicate_objects(prop)):
                local = str(p)[len(SH):] if str(p).startswith(SH) else None
                if local is None or local in _ANNOTATIONS:
                    continue
                if local not in COMPONENTS:
                    raise ShapesError(f"shape {name}: sh:{local} is a constraint kg's SPARQL translation does not "
                                      "support (kg/validate/sparql.py COMPONENTS)")
                c = COMPONENTS[local]
                allowed, param = (), None
                if local == "in":
                    allowed = tuple(_ox(t) for t in Collection(shapes, o))
                else:
                    param = _ox(o)
                message = str(own_message or c.message.format(param=_short(str(o)) if local != "pattern" else o,
                                                              path=_short(str(path))))
                flags = str(shapes.value(prop, sh("flags")) or "")
                checks += [Check(str(node), t, c.query, SH + c.component, message, prop_severity, path=str(path),
                                 param=param, flags=flags, allowed=allowed) for t in targets]
    return checks


def _true(term) -> bool:
    return term is not None and str(term).lower() in ("true", "1")


def _sparql_checks(shapes, node, name: str, constraint, targets: list[str], severity: str) -> list[Check]:
    """The checks of one SELECT-based ``sh:sparql`` constraint of node shape ``node``."""
    from rdflib import URIRef

    sh = lambda local: URIRef(SH + local)  # noqa: E731
    select = shapes.value(constraint, sh("select"))
    if select is None:
        raise ShapesError(f"shape {name}: an sh:sparql constraint without sh:select (kg runs SELECT-based ones)")
    for var in ("currentShape", "shapesGraph", "PATH", "value"):
        if re.search(r"\$" + var + r"\b", str(select)):
            raise ShapesError(f"shape {name}: sh:sparql uses ${var}; kg's SPARQL translation binds $this only")
    prefixes = []
    for decl_node in shapes.objects(constraint, sh("prefixes")):
        for decl in shapes.objects(decl_node, sh("declare")):
            prefixes.append((str(shapes.value(decl, sh("prefix"))), str(shapes.value(decl, sh("namespace")))))
    message = str(shapes.value(constraint, sh("message")) or shapes.value(node, sh("message"))
                  or "a SPARQL constraint found this node")
    return [Check(str(node), t, "focus", SH + "SPARQLConstraintComponent", message, severity,
                  select=str(select).replace("$this", "?this"), prefixes=tuple(sorted(prefixes))) for t in targets]


def data_graphs(store: ox.Store, graph: str) -> list:
    """The graphs that make the data graph of ``graph`` (``""``: the default graph): it and the ontology graph.

    Examples
    --------
    >>> data_graphs(ox.Store(), "http://g")
    [<NamedNode value=http://g>]
    """
    g = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    onto = ox.NamedNode(str(ONTOLOGY))
    if graph != str(ONTOLOGY) and store.contains_named_graph(onto):
        return [g, onto]
    return [g]


def check_graph(store: ox.Store, graph: str, checks: list[Check]) -> list[Violation]:
    """The violations of ``checks`` (:func:`compile_checks`) in the data graph of ``graph`` (:func:`data_graphs`).

    Each query is bound to ``graph``. The default graph (``""``) is checked as a named graph of a scratch store
    holding a copy of it and of the ontology graph (a ``GRAPH`` pattern cannot name the default graph).

    Examples
    --------
    >>> from kg.shapes import shapes_graph
    >>> check_graph(ox.Store(), "http://g", compile_checks(shapes_graph()))
    []
    """
    if not graph:
        scratch, name = ox.Store(), ox.NamedNode(SCRATCH)
        scratch.extend(ox.Quad(q.subject, q.predicate, q.object, name)
                       for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        scratch.extend(store.quads_for_pattern(None, None, None, ox.NamedNode(str(ONTOLOGY))))
        return [replace(v, graph="") for v in check_graph(scratch, SCRATCH, checks)]
    return _check(store, checks, ox.NamedNode(graph), {graph}, data_graphs(store, graph))


_ONTOLOGY_VALUES = "UNION { GRAPH ?ontology { ?this ?path ?value } }"
"""The templates' branch that takes a focus node's values from the ontology graph too (its data graph's half)."""

SCRATCH = "urn:kg:validate:default-graph"
"""The default graph's name in the scratch store :func:`check_graph` checks it in."""

FEW = 16
""":func:`check_graphs` checks up to this many graphs one by one; more in one pass over every named graph."""


def check_graphs(store: ox.Store, graphs, checks: list[Check], *, few: int = FEW,
                 progress: bool | None = False) -> list[Violation]:
    """The violations of ``checks`` in each of ``graphs`` (IRIs, ``""`` the default graph), each in its own data graph.

    Up to ``few`` graphs are checked one by one (:func:`check_graph`). More are checked in one pass: each
    query runs once with its ``?g`` left free, over every named graph of the store at once, and a row counts
    for the graph it names when that graph is one of ``graphs``; a ``sh:sparql`` constraint's SELECT runs on
    each graph that has its focus nodes. The result is the same as one by one. A few graphs are checked one by
    one all the same, since the pass takes the class hierarchy from the ontology graph alone: the default
    graph, a graph with ``rdfs:subClassOf`` axioms of its own, and every graph when the ontology graph itself
    types a node with a target class (such a node would be a focus node of every data graph).

    Examples
    --------
    >>> from kg.shapes import shapes_graph
    >>> store = ox.Store()
    >>> sites = [ox.NamedNode(f"https://w3id.org/codekg/pos/{n}") for n in range(20)]
    >>> store.extend(ox.Quad(s, ox.NamedNode(RDF_TYPE), ox.NamedNode(KG_NS + "SiteOfService"),
    ...                      ox.NamedNode(f"http://g/{i}")) for i, s in enumerate(sites))
    >>> found = check_graphs(store, [f"http://g/{i}" for i in range(20)], compile_checks(shapes_graph()))
    >>> len(found), sorted((v.graph, v.focus) for v in found)[0]
    (20, ('http://g/0', '<https://w3id.org/codekg/pos/0>'))
    """
    from tqdm import tqdm

    graphs = list(dict.fromkeys(graphs))
    alone, default = set(graphs), []
    if len(graphs) > few:
        onto = ox.NamedNode(str(ONTOLOGY))
        own = {q.graph_name.value for q in store.quads_for_pattern(None, ox.NamedNode(RDFS_SUBCLASS), None, None)
               if isinstance(q.graph_name, ox.NamedNode) and q.graph_name != onto}
        alone = {g for g in graphs if not g or g in own}
        default = [onto] if store.contains_named_graph(onto) else []
        closure = _Closure(store, default)
        if default and any(next(store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), cls, onto), None)
                           for cls in {k for c in checks for k in closure(c.target)}):
            alone = set(graphs)
    disable = None if progress is None else not progress
    rest = {g for g in graphs if g not in alone}
    out: list[Violation] = []
    with tqdm(total=len(alone) + (len(checks) if rest else 0), desc="kg validate", unit="step", disable=disable,
              leave=False) as bar:
        for graph in (g for g in graphs if g in alone):
            out += check_graph(store, graph, checks)
            bar.update()
        if rest:
            out += _check(store, checks, None, rest, default, step=bar.update)
    return out


class _Closure:
    """A class and its subclasses in a data graph (``default``, a list of graphs), cached by class."""

    def __init__(self, store: ox.Store, default: list):
        self.store, self.default, self.cache = store, default, {}

    def __call__(self, cls: str) -> list[ox.NamedNode]:
        if cls not in self.cache:
            found = {ox.NamedNode(cls)}
            if self.default:
                rows = self.store.query(internal_query("validate/subclasses"), prefixes=_PREFIXES,
                                        default_graph=self.default,
                                        substitutions={ox.Variable("target"): ox.NamedNode(cls)})
                found |= {r["class"] for r in rows if isinstance(r["class"], ox.NamedNode)}
            self.cache[cls] = sorted(found, key=str)
        return self.cache[cls]


def _check(store: ox.Store, checks: list[Check], graph: ox.NamedNode | None, keep: set[str], default: list,
           step=None) -> list[Violation]:
    """The violations of ``checks`` in the graphs of ``keep``: the queries bound to ``graph``, or over every
    named graph (``graph`` None); ``default`` is the data graph the class hierarchy is read from."""
    closure = _Closure(store, default)
    onto = ox.NamedNode(str(ONTOLOGY))
    in_ontology: dict[str, bool] = {}  # does the ontology graph use this path at all?
    out: list[Violation] = []
    for c in checks:
        found: dict[tuple, Violation] = {}  # one result per graph, focus node, path and value
        if c.select is not None:
            _sparql(store, c, graph, keep, closure, found)
        else:
            text = c.text(tuple(closure(c.param.value)) if c.query == "class" else ())
            if c.path is not None and c.path not in in_ontology:
                in_ontology[c.path] = next(store.quads_for_pattern(None, ox.NamedNode(c.path), None, onto),
                                           None) is not None
            if c.path is not None and not in_ontology[c.path]:  # that branch finds nothing: spare its lookups
                text = text.replace(_ONTOLOGY_VALUES, "")
            for cls in closure(c.target):
                subs = {**c.substitutions(), ox.Variable("target"): cls}
                if "?ontology" in text:
                    subs[ox.Variable("ontology")] = ox.NamedNode(str(ONTOLOGY))
                if graph is not None:
                    subs[ox.Variable("g")] = graph
                rows = store.query(text, prefixes=_PREFIXES, substitutions=subs)
                has_value = ox.Variable("value") in rows.variables
                for r in rows:
                    if r["g"].value in keep:
                        v = Violation(r["g"].value, str(r["this"]), c.message, c.component, c.path,
                                      str(r["value"]) if has_value else None, c.severity, c.shape)
                        found.setdefault((v.graph, *v.key()), v)
        out += found.values()
        if step is not None:
            step()
    return out


def _sparql(store: ox.Store, c: Check, graph: ox.NamedNode | None, keep: set[str], closure: _Closure,
            found: dict) -> None:
    """The violations of SELECT-based check ``c``, into ``found``: its SELECT run on each graph with focus nodes."""
    focus: dict[str, set] = {}
    for cls in closure(c.target):
        subs = {ox.Variable("target"): cls, **({ox.Variable("g"): graph} if graph is not None else {})}
        for r in store.query(internal_query("validate/focus"), prefixes=_PREFIXES, substitutions=subs):
            if r["g"].value in keep:
                focus.setdefault(r["g"].value, set()).add(r["this"])
    for g, nodes in sorted(focus.items()):
        rows = store.query(c.select, prefixes={**_PREFIXES, **dict(c.prefixes)}, default_graph=data_graphs(store, g))
        names = {v.value for v in rows.variables}
        for r in rows:
            if r["this"] in nodes:
                path = r["path"] if "path" in names else None
                value = r["value"] if "value" in names else None
                v = Violation(g, str(r["this"]), c.message, c.component,  # a node shape's value: $this
                              None if path is None else path.value, str(r["this"] if value is None else value),
                              c.severity, c.shape)
                found.setdefault((g, *v.key()), v)
