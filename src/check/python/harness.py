"""RNN Stepper's check harness: runs the learner's functions on inputs it is sent.

Started by src/check/child.ts as `python3 harness.py IMPL` with cwd = IMPL's folder. It never
computes reference values (the TypeScript engine does): it loads the user's file, builds the
classic arguments (for backward functions the caches in the classic tuple layout) from arrays it
receives, calls the user's function and sends back what it returned.

Protocol (both directions): frames of
    u32 little-endian length of the JSON header | JSON header (UTF-8) | payload
where the payload is the float64 little-endian data of header["arrays"] ([{name, shape}]), in
order, C order. The header's "op" says what the frame is:
    to us:   put {arrays}   call {fn, steps|null}   bye
    from us: started (NumPy imported) | no_numpy, then hello {functions, notes, python, numpy} |
             load_error {error}
             result {fn, step, arrays} | error {fn, step, error} | done {fn}
The protocol uses the process's real stdin/stdout; the user's prints go to stderr and their code
reads /dev/null, so nothing they do can corrupt a frame.
"""

import ast
import json
import os
import struct
import sys
import traceback

# -- take the protocol's file descriptors before any user code runs
_PROTO_IN = os.fdopen(os.dup(0), "rb", buffering=1 << 20)
_PROTO_OUT = os.fdopen(os.dup(1), "wb", buffering=1 << 20)
os.dup2(2, 1)
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
sys.stdout = sys.stderr
sys.stdin = open(os.devnull, "r")

HARNESS_FILE = os.path.abspath(__file__)


def send(header, arrays=()):
    """One frame: header plus the float64 data of `arrays` ([(name, ndarray)])."""
    header = dict(header)
    if arrays:
        header["arrays"] = [{"name": n, "shape": list(a.shape)} for n, a in arrays]
    raw = json.dumps(header, allow_nan=False).encode("utf-8")
    _PROTO_OUT.write(struct.pack("<I", len(raw)))
    _PROTO_OUT.write(raw)
    for _n, a in arrays:
        _PROTO_OUT.write(memoryview(a).cast("B"))
    _PROTO_OUT.flush()


def read_exact(n):
    chunks = []
    while n > 0:
        b = _PROTO_IN.read(n)
        if not b:
            raise EOFError
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


try:
    import numpy as np
except Exception as e:  # noqa: BLE001 -- any failure to import NumPy means the same to the user
    send({"op": "no_numpy", "python": sys.executable, "version": sys.version.split()[0],
          "message": f"{type(e).__name__}: {e}"})
    sys.exit(0)


# Python and NumPy are up: the user's time limit starts now (a loaded machine may take seconds
# to get here, which is not their code's fault).
send({"op": "started"})


def receive():
    size = struct.unpack("<I", read_exact(4))[0]
    header = json.loads(read_exact(size).decode("utf-8"))
    arrays = {}
    for spec in header.get("arrays", []):
        shape = tuple(spec["shape"])
        count = int(np.prod(shape)) if shape else 1
        a = np.frombuffer(read_exact(8 * count), dtype="<f8").reshape(shape)
        arrays[spec["name"]] = a  # read-only: every call gets copies
    return header, arrays


# ------------------------------------------------------------------ where errors and defs are
_CELL_FILES = {}  # compiled notebook cell filename -> (ipynb path, 0-based cell index)
_USER_DIR = None
_USER_FILE = None


def _is_users(filename):
    if filename in _CELL_FILES:
        return True
    if not filename or filename.startswith("<"):  # <frozen importlib._bootstrap>, <string>, ...
        return False
    path = os.path.abspath(filename)
    return path != HARNESS_FILE and _USER_DIR is not None and path.startswith(_USER_DIR + os.sep) and os.path.isfile(path)


def locate(filename, line):
    """(file, line, cell) for a code location in the user's file, helper files or notebook cells."""
    if filename in _CELL_FILES:
        path, cell = _CELL_FILES[filename]
        return path, line, cell
    return os.path.abspath(filename), line, None


def describe(exc):
    """The user-facing error: message and the innermost frame in the user's files."""
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    where = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if _is_users(frame.f_code.co_filename):
            where = (frame.f_code.co_filename, line)
    if where is None and isinstance(exc, SyntaxError) and exc.filename and _is_users(exc.filename):
        where = (exc.filename, exc.lineno or 1)
    err = {"message": message, "file": None, "line": None}
    if where is not None:
        path, line, cell = locate(*where)
        err.update(file=path, line=line)
        if cell is not None:
            err["cell"] = cell
    return err


# ------------------------------------------------------------------ loading the user's code
FUNCTIONS = ("rnn_cell_forward", "rnn_forward", "rnn_cell_backward", "rnn_backward",
             "lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward")


def _is_constant(node):
    """An expression that computes nothing: literals, containers of them, names and attributes."""
    if isinstance(node, (ast.Constant, ast.Name)):
        return True
    if isinstance(node, ast.Attribute):
        return _is_constant(node.value)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_constant(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is None or _is_constant(k) for k in node.keys) and all(_is_constant(v) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        return _is_constant(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_constant(node.left) and _is_constant(node.right)
    return False


def _is_definition(stmt):
    if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(stmt, ast.Assign):
        return _is_constant(stmt.value)
    if isinstance(stmt, ast.AnnAssign):
        return stmt.value is None or _is_constant(stmt.value)
    if isinstance(stmt, ast.Expr):
        return isinstance(stmt.value, ast.Constant)  # a docstring or a bare literal
    return False


def _cell_source(cell):
    src = cell.get("source", "")
    if isinstance(src, list):
        src = "".join(src)
    # IPython magics and shell escapes are not Python: blank them, keeping the line numbers.
    lines = ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in src.split("\n")]
    return "\n".join(lines)


def load_notebook(path, namespace, notes):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ValueError(f"{os.path.basename(path)} is not a Jupyter notebook (no 'cells' list)")
    skipped = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        filename = f"<notebook cell {index}>"
        _CELL_FILES[filename] = (path, index)
        source = _cell_source(cell)
        try:
            tree = ast.parse(source, filename=filename)
        except SyntaxError as e:
            skipped.append(f"cell {index + 1} (syntax error at its line {e.lineno})")
            continue
        kept = [s for s in tree.body if _is_definition(s)]
        if len(kept) < len(tree.body):
            first = next(s for s in tree.body if not _is_definition(s))
            skipped.append(f"cell {index + 1} line {first.lineno}")
        if kept:
            exec(compile(ast.Module(body=kept, type_ignores=[]), filename, "exec"), namespace)  # noqa: S102
    if skipped:
        notes.append("notebook: statements that run code were not executed (only imports, definitions and "
                     "constant assignments are): " + ", ".join(skipped[:8]) + (" …" if len(skipped) > 8 else ""))
    return namespace


def load(path, notes):
    import importlib.util
    if path.endswith(".ipynb"):
        return load_notebook(path, {"__name__": "__rnn_stepper_notebook__"}, notes)
    stem = os.path.splitext(os.path.basename(path))[0]
    name = stem if stem.isidentifier() else "user_impl"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return vars(module)


def definitions(namespace):
    out = {}
    for name in FUNCTIONS:
        fn = namespace.get(name)
        if not callable(fn):
            continue
        code = getattr(fn, "__code__", None)
        entry = {"file": None, "line": None}
        if code is not None and _is_users(code.co_filename):
            path, line, cell = locate(code.co_filename, code.co_firstlineno)
            entry = {"file": path, "line": line}
            if cell is not None:
                entry["cell"] = cell
        out[name] = entry
    return out


# ------------------------------------------------------------------ calling
class Shape(Exception):
    """The user's function returned something we cannot read (a user error, not ours)."""


def as_array(value, what):
    try:
        a = np.asarray(value, dtype=np.float64)
    except Exception as e:  # noqa: BLE001
        raise Shape(f"{what} is not an array of numbers ({type(value).__name__}: {e})") from None
    return np.ascontiguousarray(a, dtype="<f8")


def as_tuple(value, n, what):
    if not isinstance(value, (tuple, list)) or len(value) != n:
        got = f"a {type(value).__name__} of {len(value)}" if isinstance(value, (tuple, list)) else type(value).__name__
        raise Shape(f"{what}, got {got}")
    return value


def as_dict(value, keys, what):
    if not isinstance(value, dict):
        raise Shape(f"{what} must return a dict with {', '.join(keys)}; got {type(value).__name__}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise Shape(f"{what} returned a dict without {', '.join(repr(k) for k in missing)}")
    return [(k, as_array(value[k], f"{what}()['{k}']")) for k in keys]


class Store:
    """The reference arrays TypeScript sent, and the classic arguments built from them."""

    def __init__(self):
        self.a = {}

    def params(self):
        return {k[2:]: v.copy() for k, v in self.a.items() if k.startswith("P_")}

    def prev(self, seq, first, t):
        return (self.a[first] if t == 0 else self.a[seq][t - 1]).copy()

    def rnn_cache(self, t, p):
        return (self.a["A"][t].copy(), self.prev("A", "a0", t), self.a["x"][:, :, t].copy(), p)

    def lstm_cache(self, t, p):
        g = self.a
        return (g["A"][t].copy(), g["C"][t].copy(), self.prev("A", "a0", t), self.prev("C", "c0", t),
                g["FT"][t].copy(), g["IT"][t].copy(), g["CCT"][t].copy(), g["OT"][t].copy(),
                g["x"][:, :, t].copy(), p)


RNN_CELL_GRADS = ("dxt", "da_prev", "dWax", "dWaa", "dba")
RNN_GRADS = ("dx", "da0", "dWax", "dWaa", "dba")
LSTM_PARAM_GRADS = ("dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo")
LSTM_CELL_GRADS = ("dxt", "da_prev", "dc_prev") + LSTM_PARAM_GRADS
LSTM_GRADS = ("dx", "da0") + LSTM_PARAM_GRADS


def call(fn_name, fn, s, t):
    """Calls the user's function once (step t for a cell function); returns [(name, array)]."""
    a = s.a
    if fn_name == "rnn_cell_forward":
        out = as_tuple(fn(a["x"][:, :, t].copy(), s.prev("A", "a0", t), s.params()), 3,
                       "rnn_cell_forward must return (a_next, yt_pred, cache)")
        return [("a_next", as_array(out[0], "a_next")), ("yt_pred", as_array(out[1], "yt_pred"))]
    if fn_name == "rnn_forward":
        out = as_tuple(fn(a["x"].copy(), a["a0"].copy(), s.params()), 3,
                       "rnn_forward must return (a, y_pred, caches)")
        return [("a", as_array(out[0], "a")), ("y_pred", as_array(out[1], "y_pred"))]
    if fn_name == "rnn_cell_backward":
        out = fn(a["DA"][t].copy(), s.rnn_cache(t, s.params()))
        return as_dict(out, RNN_CELL_GRADS, "rnn_cell_backward")
    if fn_name == "rnn_backward":
        p = s.params()
        caches = ([s.rnn_cache(k, p) for k in range(a["A"].shape[0])], a["x"].copy())
        return as_dict(fn(a["da"].copy(), caches), RNN_GRADS, "rnn_backward")
    if fn_name == "lstm_cell_forward":
        out = as_tuple(fn(a["x"][:, :, t].copy(), s.prev("A", "a0", t), s.prev("C", "c0", t), s.params()), 4,
                       "lstm_cell_forward must return (a_next, c_next, yt_pred, cache)")
        cache = as_tuple(out[3], 10, "lstm_cell_forward's cache must be (a_next, c_next, a_prev, c_prev, "
                         "ft, it, cct, ot, xt, parameters)")
        gates = [(n, as_array(cache[i], f"cache[{i}] ({n})")) for n, i in (("ft", 4), ("it", 5), ("cct", 6), ("ot", 7))]
        return gates + [("c_next", as_array(out[1], "c_next")), ("a_next", as_array(out[0], "a_next")),
                        ("yt_pred", as_array(out[2], "yt_pred"))]
    if fn_name == "lstm_forward":
        out = as_tuple(fn(a["x"].copy(), a["a0"].copy(), s.params()), 4,
                       "lstm_forward must return (a, y, c, caches)")
        return [("c", as_array(out[2], "c")), ("a", as_array(out[0], "a")), ("y", as_array(out[1], "y"))]
    if fn_name == "lstm_cell_backward":
        out = fn(a["DA"][t].copy(), a["DC"][t].copy(), s.lstm_cache(t, s.params()))
        return as_dict(out, LSTM_CELL_GRADS, "lstm_cell_backward")
    if fn_name == "lstm_backward":
        p = s.params()
        caches = ([s.lstm_cache(k, p) for k in range(a["A"].shape[0])], a["x"].copy())
        return as_dict(fn(a["da"].copy(), caches), LSTM_GRADS, "lstm_backward")
    raise ValueError(fn_name)


def main():
    global _USER_DIR, _USER_FILE
    path = os.path.abspath(sys.argv[1])
    _USER_FILE = path
    _USER_DIR = os.path.dirname(path)
    sys.path.insert(0, _USER_DIR)
    notes = []
    try:
        namespace = load(path, notes)
    except BaseException as e:  # noqa: BLE001 -- SystemExit in the user's top level is theirs too
        send({"op": "load_error", "error": describe(e)})
        return
    defs = definitions(namespace)
    send({"op": "hello", "functions": defs, "notes": notes, "python": sys.executable,
          "version": sys.version.split()[0], "numpy": np.__version__})
    store = Store()
    while True:
        try:
            header, arrays = receive()
        except EOFError:
            return
        op = header.get("op")
        if op == "bye":
            return
        if op == "put":
            # One put per fixture: the previous family's arrays (its parameters) must not linger.
            store.a = dict(arrays)
            continue
        if op != "call":
            raise ValueError(f"unknown op {op!r}")
        fn_name = header["fn"]
        fn = namespace[fn_name]
        for t in header.get("steps") or [None]:
            try:
                outputs = call(fn_name, fn, store, t)
            except Shape as e:
                d = defs.get(fn_name, {})
                send({"op": "error", "fn": fn_name, "step": t,
                      "error": {"message": str(e), "file": d.get("file"), "line": d.get("line"),
                                **({"cell": d["cell"]} if "cell" in d else {})}})
                break
            except BaseException as e:  # noqa: BLE001 -- their SystemExit/KeyboardInterrupt is a result too
                send({"op": "error", "fn": fn_name, "step": t, "error": describe(e)})
                break
            send({"op": "result", "fn": fn_name, "step": t}, outputs)
        send({"op": "done", "fn": fn_name})


if __name__ == "__main__":
    main()
