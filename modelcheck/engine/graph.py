"""The state graph of a small model, as a networkx graph, and its DOT, GraphML and JSON renderings.

`state_graph(model)` explores the model breadth-first with `model.successors` and records every
reachable state as a node and every step as an edge. Node ids are the states' numbers in breadth-first
order (0, 1, 2, ...), so the same model always gives the same ids. A node carries `label` (the state in
the model's words, `model.describe_state`), `initial` and `terminal` (no step enabled); an edge carries
`label` (the step's label as text) and `action` (the action's name).

What it leaves out: properties and verdicts (that is `explore`'s work) and symmetry reduction (a graph
is drawn over concrete states). A `networkx.DiGraph` holds one edge per ordered pair of states: when
several steps lead from one state to the same next state, the edge's `label` and `action` list them
all, joined by " | ", in the order the model gives them.

Graphs are for models small enough to look at: above `max_states` states `state_graph` refuses with
`GraphTooLarge` rather than build something no one can read. DOT is written here by hand (pydot and
pygraphviz are not dependencies); GraphML and JSON (networkx's node-link format) come from networkx.
"""

from __future__ import annotations

import json

import networkx as nx

from modelcheck.errors import InvalidModel, ModelcheckError

DEFAULT_MAX_STATES = 10_000
_JOIN = " | "


class GraphTooLarge(ModelcheckError):
    """The state graph has more states than the caller allowed."""


def state_graph(model, *, max_states: int = DEFAULT_MAX_STATES) -> nx.DiGraph:
    """The reachable state graph of `model`; see the module docstring."""
    if max_states < 1:
        raise ValueError(f"max_states must be positive, not {max_states}")
    graph = nx.DiGraph(name=getattr(model, "name", "model"))
    ids: dict = {}
    order: list = []

    def number(state) -> int:
        try:
            known = ids.get(state)
        except TypeError as error:
            raise InvalidModel(f"model {graph.graph['name']!r}: a state is not hashable ({error})") from None
        if known is not None:
            return known
        if len(ids) >= max_states:
            raise GraphTooLarge(f"the state graph has more than {max_states} states; graphs are for small "
                                f"models: use --max-states or a smaller model")
        ids[state] = len(ids)
        order.append(state)
        graph.add_node(ids[state], label=model.describe_state(state), initial=False, terminal=False)
        return ids[state]

    for state in model.get_initial_states():
        graph.nodes[number(state)]["initial"] = True
    position = 0
    while position < len(order):
        state = order[position]
        source = ids[state]
        position += 1
        successors = model.successors(state)
        if not successors:
            graph.nodes[source]["terminal"] = True
        for action, label, successor in successors:
            target = number(successor)
            if graph.has_edge(source, target):
                data = graph.edges[source, target]
                data["label"] = _joined(data["label"], str(label))
                data["action"] = _joined(data["action"], action)
            else:
                graph.add_edge(source, target, label=str(label), action=action)
    return graph


def _joined(existing: str, text: str) -> str:
    parts = existing.split(_JOIN)
    return existing if text in parts else existing + _JOIN + text


def to_dot(graph: nx.DiGraph) -> str:
    """The graph in Graphviz's DOT language: initial states drawn with a double border, terminal bold."""
    lines = [f"digraph {_quote(graph.graph.get('name', 'model'))} {{",
             "  node [shape=box, fontname=\"monospace\"];"]
    for node, data in sorted(graph.nodes(data=True)):
        style = [f"label={_quote(data.get('label', str(node)))}"]
        if data.get("initial"):
            style.append("peripheries=2")
        if data.get("terminal"):
            style.append("style=bold")
        lines.append(f"  {node} [{', '.join(style)}];")
    for source, target, data in graph.edges(data=True):
        lines.append(f"  {source} -> {target} [label={_quote(data.get('label', ''))}, "
                     f"tooltip={_quote(data.get('action', ''))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _quote(text) -> str:
    """A DOT double-quoted string: backslashes, quotes and line breaks escaped."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{text}"'


def to_graphml(graph: nx.DiGraph) -> str:
    """The graph as a GraphML document."""
    return "\n".join(nx.generate_graphml(graph)) + "\n"


def to_json(graph: nx.DiGraph) -> str:
    """The graph in networkx's node-link JSON format (`nodes` and `edges` lists)."""
    try:
        data = nx.node_link_data(graph, edges="edges")
    except TypeError:                       # networkx < 3.4 has no `edges` argument and says "links"
        data = nx.node_link_data(graph)
        data["edges"] = data.pop("links")
    return json.dumps(data, indent=2) + "\n"
