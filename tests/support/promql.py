"""A small PromQL tokenizer for checking the queries we ship (deploy/grafana, deploy/prometheus):
balanced brackets, known functions and aggregations, and the metric names a query reads. Not a
full parser: it rejects what it does not know rather than guessing."""
import re

FUNCTIONS = {
    "abs", "absent", "absent_over_time", "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min",
    "count_over_time", "delta", "deriv", "exp", "floor", "histogram_quantile", "idelta", "increase", "irate",
    "label_replace", "last_over_time", "ln", "max_over_time", "min_over_time", "predict_linear", "rate", "resets",
    "round", "scalar", "sort", "sort_desc", "sqrt", "sum_over_time", "time", "timestamp", "vector",
}
AGGREGATIONS = {"sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "group",
                "count_values"}
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}
OPERATORS = ["==", "!=", "<=", ">=", "=~", "!~", "+", "-", "*", "/", "%", "^", "<", ">", "="]
TOKEN = re.compile(r"""\s*(?:
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<variable>\$\{\w+\}|\$\w+)
  | (?P<duration>(?:\d+(?:ms|[smhdwy]))+)
  | (?P<number>\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<bracket>[(){}\[\]])
  | (?P<comma>,)
  | (?P<op>==|!=|<=|>=|=~|!~|[-+*/%^<>=])
  | (?P<colon>:)
)""", re.X)
CLOSING = {"(": ")", "{": "}", "[": "]"}


class promql_error(ValueError):
    """A query this tokenizer cannot accept, with the reason."""


def tokens(expr):
    """[(kind, text)] for `expr`; raises promql_error on a character it does not know."""
    out, at = [], 0
    expr = expr.rstrip()
    while at < len(expr):
        m = TOKEN.match(expr, at)
        if not m or m.end() == at:
            raise promql_error("unexpected %r at %d" % (expr[at:at + 10], at))
        out.append((m.lastgroup, m.group(m.lastgroup)))
        at = m.end()
    return out


def metric_names(expr):
    """The metric names `expr` selects; raises promql_error for unbalanced brackets, an unknown
    function or a token where none can be."""
    toks = tokens(expr)
    stack, names = [], []
    label_list = False  # inside by (...) / on (...): identifiers are label names
    for i, (kind, text) in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else (None, None)
        if kind == "bracket" and text in CLOSING:
            stack.append(text)
            if text == "(" and i > 0 and toks[i - 1][1] in LABEL_LIST_KEYWORDS:
                label_list = True
        elif kind == "bracket":
            if not stack or CLOSING[stack.pop()] != text:
                raise promql_error("unbalanced %r in %s" % (text, expr))
            label_list = False if text == ")" else label_list
        elif kind == "ident":
            inside_selector = stack and stack[-1] == "{"
            if inside_selector or label_list or text in KEYWORDS:
                continue
            if text in LABEL_LIST_KEYWORDS:
                if nxt[1] != "(":
                    raise promql_error("%s without a label list in %s" % (text, expr))
                continue
            if text in AGGREGATIONS and (nxt[1] == "(" or nxt[1] in ("by", "without")):
                continue
            if nxt[1] == "(":
                if text not in FUNCTIONS:
                    raise promql_error("unknown function %s in %s" % (text, expr))
                continue
            names.append(text)
        elif kind in ("duration", "colon") and not (stack and stack[-1] == "["):
            if kind == "duration" and toks[i - 1][1] == "offset":
                continue
            raise promql_error("%r outside a range in %s" % (text, expr))
    if stack:
        raise promql_error("unclosed %r in %s" % (stack[-1], expr))
    return names


def family(name, exported):
    """The metric family a series name belongs to: a histogram's _bucket/_sum/_count map to it."""
    if name in exported:
        return name
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and exported.get(base, ("",))[0] == "histogram":
            return base
    return name


def selector_labels(expr):
    """[(metric name, label names its selector matches on)] for every `name{...}` in `expr`."""
    toks, out = tokens(expr), []
    for i, (kind, text) in enumerate(toks):
        if kind != "ident" or i + 1 >= len(toks) or toks[i + 1][1] != "{":
            continue
        labels, j = [], i + 2
        while j < len(toks) and toks[j][1] != "}":
            if toks[j][0] == "ident" and j + 1 < len(toks) and toks[j + 1][0] == "op":
                labels.append(toks[j][1])
            j += 1
        out.append((text, labels))
    return out
