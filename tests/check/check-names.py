#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make check's name lint (issue 20): one name per check.

A check prints "PASS suite: NAME", "FAIL suite: NAME: detail" or "SKIP suite: NAME: why"
(tests/integration/lib.sh). The runner's rerun tells a flaky check from a broken one by
finding the FAIL's NAME among the rerun's PASS lines (tests/run.sh, flaky_verdicts), and
make soak counts failures per NAME: both need the same NAME on every outcome of a check.

This reads the suites and VM parts as shell (quotes, $(...), here-documents, if/elif/else,
case, loops, && and ||) and pairs the verdict calls that are one check's outcomes:
  - `pass NAME || fail NAME2 ...` in one and-or list (a `\\` or a line break after || too);
  - the branches of one if/elif/else chain (and of one case) when each branch's verdict
    calls, its own or those of the ifs inside it, are of a single name, and the chain has
    one PASS name: every FAIL and SKIP of the chain must have it. A SKIP named "all" or
    "PART: all" stands for a whole suite or VM part, and pairs with nothing.
Each pair whose NAME differs is reported as "file:line: PASS name differs from FAIL name"
(or SKIP) at the PASS's line, with both names; exit 1 if any, 2 on a file it cannot parse.
The count of pairs compared goes to stderr.
usage: tests/check/check-names.py [FILE...]   (default: the suites and VM parts)
"""
import glob
import os
import sys

VERDICTS = ("pass", "fail", "skip")


class Tok:
    def __init__(self, kind, text, line, raw=None):
        self.kind = kind  # "w" word, "op", "nl" line break, "redir"
        self.text = text  # a word's value with its quotes removed
        self.line = line
        self.raw = raw if raw is not None else text


class Lexer:
    """Shell words and operators, with their line numbers."""

    def __init__(self, src):
        self.s = src
        self.i = 0
        self.line = 1
        self.heredocs = []

    def peek(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def adv(self, n=1):
        for _ in range(n):
            if self.i < len(self.s):
                if self.s[self.i] == "\n":
                    self.line += 1
                self.i += 1

    def skip_balanced(self, close):
        """Past the text of a $(, ${, $(( or ` up to its closing `close`, quotes included."""
        depth = 1
        opener = {")": "(", "}": "{", "`": None}[close]
        while self.i < len(self.s):
            c = self.peek()
            if c == "\\":
                self.adv(2)
            elif c == "'" and close != "`":
                self.adv()
                while self.i < len(self.s) and self.peek() != "'":
                    self.adv()
                self.adv()
            elif c == '"':
                self.adv()
                self.read_dquoted()
            elif c == "$" and self.peek(1) in "({":
                self.adv(2)
                self.skip_balanced(")" if self.s[self.i - 1] == "(" else "}")
            elif c == "`" and close != "`":
                self.adv()
                self.skip_balanced("`")
            elif c == "#" and close == ")" and (self.i == 0 or self.s[self.i - 1] in " \t\n;"):
                while self.i < len(self.s) and self.peek() != "\n":
                    self.adv()
            elif opener and c == opener:
                depth += 1
                self.adv()
            elif c == close:
                depth -= 1
                self.adv()
                if depth == 0:
                    return
            else:
                self.adv()

    def read_dquoted(self):
        """Past a "..." whose opening quote is read; returns its text."""
        start = self.i
        while self.i < len(self.s):
            c = self.peek()
            if c == "\\":
                self.adv(2)
            elif c == "$" and self.peek(1) in "({":
                self.adv(2)
                self.skip_balanced(")" if self.s[self.i - 1] == "(" else "}")
            elif c == "`":
                self.adv()
                self.skip_balanced("`")
            elif c == '"':
                text = self.s[start:self.i]
                self.adv()
                return text
            else:
                self.adv()
        return self.s[start:]

    def read_word(self):
        start, line, value = self.i, self.line, []
        while self.i < len(self.s):
            c = self.peek()
            if c in " \t\n;&|()<>":
                break
            if c == "\\":
                if self.peek(1) == "\n":
                    self.adv(2)
                    continue
                value.append(self.s[self.i:self.i + 2])
                self.adv(2)
            elif c == "'":
                self.adv()
                j = self.s.find("'", self.i)
                j = len(self.s) if j < 0 else j
                value.append(self.s[self.i:j])
                while self.i < j:
                    self.adv()
                self.adv()
            elif c == '"':
                self.adv()
                value.append(self.read_dquoted())
            elif c == "$" and self.peek(1) in "({":
                s0 = self.i
                self.adv(2)
                self.skip_balanced(")" if self.s[self.i - 1] == "(" else "}")
                value.append(self.s[s0:self.i])
            elif c == "`":
                s0 = self.i
                self.adv()
                self.skip_balanced("`")
                value.append(self.s[s0:self.i])
            else:
                value.append(c)
                self.adv()
        tok = Tok("w", "".join(value), line, self.s[start:self.i])
        tok.span = (start, self.i)
        return tok

    def read_heredoc_bodies(self):
        for delim, strip in self.heredocs:
            while self.i < len(self.s):
                e = self.s.find("\n", self.i)
                e = len(self.s) if e < 0 else e
                text = self.s[self.i:e]
                while self.i <= e and self.i < len(self.s):
                    self.adv()
                if (text.lstrip("\t") if strip else text) == delim:
                    break
        self.heredocs = []

    def tokens(self):
        out = []
        while self.i < len(self.s):
            c = self.peek()
            if c in " \t":
                self.adv()
            elif c == "\\" and self.peek(1) == "\n":
                self.adv(2)
            elif c == "#":
                while self.i < len(self.s) and self.peek() != "\n":
                    self.adv()
            elif c == "\n":
                out.append(Tok("nl", "\n", self.line))
                self.adv()
                if self.heredocs:
                    self.read_heredoc_bodies()
            elif c in "<>":
                line = self.line
                j = self.i
                while j < len(self.s) and self.s[j] in "<>&-|":
                    j += 1
                op = self.s[self.i:j]
                self.adv(j - self.i)
                while self.peek() in " \t":
                    self.adv()
                target = self.read_word()
                if op.startswith("<<") and op[:3] != "<<<":
                    self.heredocs.append((target.text, op.startswith("<<-")))
                out.append(Tok("redir", op + target.text, line))
            elif self.s.startswith(("&&", "||", ";;"), self.i):
                out.append(Tok("op", self.s[self.i:self.i + 2], self.line))
                self.adv(2)
            elif c in ";&|()":
                out.append(Tok("op", c, self.line))
                self.adv()
            else:
                w = self.read_word()
                # An io number (2>/dev/null) belongs to its redirection.
                if w.text.isdigit() and self.peek() in "<>":
                    continue
                out.append(w)
        out.append(Tok("eof", "", self.line))
        return out


# Nodes: ("cmd", words, line) a simple command; ("andor", [pipelines], [ops]);
# ("pipe", [commands]); ("if", [(cond, body)], else_body or None, line);
# ("case", [bodies], line); ("group", [lists]) (loops, braces, subshells); ("func", [list]);
# ("list", [andors]).
RESERVED_END = ("then", "elif", "else", "fi", "do", "done", "esac", "}")


class Parser:
    def __init__(self, toks):
        self.t = toks
        self.i = 0

    def cur(self):
        return self.t[self.i]

    def is_word(self, text, k=0):
        tok = self.t[min(self.i + k, len(self.t) - 1)]
        return tok.kind == "w" and tok.text == text and tok.raw == text

    def linebreak(self):
        while self.cur().kind == "nl":
            self.i += 1

    def expect_word(self, text):
        self.linebreak()
        if self.is_word(text):
            self.i += 1
            return
        tok = self.cur()
        raise SyntaxError(f"line {tok.line}: expected '{text}', found '{tok.text}'")

    def parse_list(self, stop=RESERVED_END):
        items = []
        while True:
            self.linebreak()
            tok = self.cur()
            if tok.kind == "eof" or (tok.kind == "op" and tok.text in (")", ";;")):
                break
            if tok.kind == "w" and tok.raw in stop:
                break
            items.append(self.parse_andor())
            tok = self.cur()
            if tok.kind == "op" and tok.text in (";", "&"):
                self.i += 1
        return ("list", items)

    def parse_andor(self):
        pipes, ops = [self.parse_pipe()], []
        while self.cur().kind == "op" and self.cur().text in ("&&", "||"):
            ops.append(self.cur().text)
            self.i += 1
            self.linebreak()
            pipes.append(self.parse_pipe())
        return ("andor", pipes, ops)

    def parse_pipe(self):
        if self.is_word("!"):
            self.i += 1
        cmds = [self.parse_command()]
        while self.cur().kind == "op" and self.cur().text == "|":
            self.i += 1
            self.linebreak()
            cmds.append(self.parse_command())
        return ("pipe", cmds)

    def skip_redirs(self):
        while self.cur().kind == "redir":
            self.i += 1

    def parse_command(self):
        tok = self.cur()
        if tok.kind == "op" and tok.text == "(":
            self.i += 1
            body = self.parse_list()
            self.i += 1  # )
            self.skip_redirs()
            return ("group", [body])
        if self.is_word("{"):
            self.i += 1
            body = self.parse_list()
            self.expect_word("}")
            self.skip_redirs()
            return ("group", [body])
        if self.is_word("if"):
            return self.parse_if()
        if self.is_word("while") or self.is_word("until"):
            self.i += 1
            cond = self.parse_list(stop=("do",))
            self.expect_word("do")
            body = self.parse_list()
            self.expect_word("done")
            self.skip_redirs()
            return ("group", [cond, body])
        if self.is_word("for"):
            self.i += 2
            while self.cur().kind == "w" or self.cur().kind == "nl":
                if self.is_word("do"):
                    break
                self.i += 1
            if self.cur().kind == "op":
                self.i += 1
            self.expect_word("do")
            body = self.parse_list()
            self.expect_word("done")
            self.skip_redirs()
            return ("group", [body])
        if self.is_word("case"):
            return self.parse_case()
        # A function definition: NAME ( ) COMMAND.
        nxt, nxt2 = self.t[self.i + 1], self.t[min(self.i + 2, len(self.t) - 1)]
        if tok.kind == "w" and nxt.kind == "op" and nxt.text == "(" and nxt2.text == ")":
            self.i += 3
            self.linebreak()
            return ("func", [("list", [("andor", [("pipe", [self.parse_command()])], [])])])
        words, line = [], tok.line
        while self.cur().kind in ("w", "redir"):
            if self.cur().kind == "w":
                words.append(self.cur())
            self.i += 1
        if not words and self.cur().kind not in ("nl", "eof"):
            bad = self.cur()
            raise SyntaxError(f"line {bad.line}: unexpected '{bad.text}'")
        return ("cmd", words, line)

    def parse_if(self):
        line = self.cur().line
        self.i += 1
        branches, else_body = [], None
        while True:
            cond = self.parse_list(stop=("then",))
            self.expect_word("then")
            branches.append((cond, self.parse_list()))
            self.linebreak()
            if self.is_word("elif"):
                self.i += 1
                continue
            if self.is_word("else"):
                self.i += 1
                else_body = self.parse_list()
            self.expect_word("fi")
            self.skip_redirs()
            return ("if", branches, else_body, line)

    def parse_case(self):
        line = self.cur().line
        self.i += 2  # case WORD
        self.expect_word("in")
        bodies = []
        while True:
            self.linebreak()
            if self.is_word("esac") or self.cur().kind == "eof":
                self.i += 1
                break
            if self.cur().kind == "op" and self.cur().text == "(":
                self.i += 1
            while not (self.cur().kind == "op" and self.cur().text == ")"):
                if self.cur().kind == "eof":
                    raise SyntaxError(f"line {line}: case without esac")
                self.i += 1
            self.i += 1
            bodies.append(self.parse_list(stop=("esac",)))
            if self.cur().kind == "op" and self.cur().text == ";;":
                self.i += 1
        self.skip_redirs()
        return ("case", bodies, line)


def verdict(cmd):
    """(kind, name, line, name token) when cmd is a pass/fail/skip call, else None."""
    if cmd[0] != "cmd" or not cmd[1] or cmd[1][0].raw not in VERDICTS or len(cmd[1]) < 2:
        return None
    return (cmd[1][0].raw, cmd[1][1].text, cmd[1][0].line, cmd[1][1])


def is_info(pipe):
    cmd = pipe[1][0] if len(pipe[1]) == 1 else None
    return cmd is not None and cmd[0] == "cmd" and bool(cmd[1]) and cmd[1][0].raw == "info"


def children(node):
    """The lists directly inside a node."""
    kind = node[0]
    if kind == "list":
        return [node]
    if kind == "andor":
        return [c for p in node[1] for c in children(p)]
    if kind == "pipe":
        return [c for cmd in node[1] for c in children(cmd)]
    if kind == "if":
        out = [lst for b in node[1] for lst in b]
        return out + ([node[2]] if node[2] else [])
    if kind in ("case", "group", "func"):
        return list(node[1])
    return []


def calls(node):
    """Every verdict call inside node, at any depth."""
    v = verdict(node) if node[0] == "cmd" else None
    if v:
        return [v]
    if node[0] == "func":
        return []  # run where it is called, not where it is defined
    if node[0] in ("list", "andor", "pipe"):
        return [c for sub in node[1] for c in calls(sub)]
    return [c for lst in children(node) for c in calls(lst)]


def check_tree(node, pair):
    if node[0] == "andor":
        # pass NAME || fail NAME2: one check's two outcomes.
        pipes = node[1]
        for k, op in enumerate(node[2]):
            # Past the info lines printed beside a PASS: pass NAME && info TEXT || fail NAME.
            j = k
            while j > 0 and node[2][j - 1] == "&&" and is_info(pipes[j]):
                j -= 1
            a = pipes[j][1][-1] if len(pipes[j][1]) == 1 else None
            b = pipes[k + 1][1][0] if len(pipes[k + 1][1]) == 1 else None
            va = verdict(a) if a else None
            vb = None
            if b and b[0] == "group":
                inner = calls(b)
                vb = inner[0] if inner else None
            elif b:
                vb = verdict(b)
            if op == "||" and va and vb and va[0] == "pass":
                pair(va, vb)
    if node[0] in ("if", "case"):
        # The branches of a chain: each one check's outcome when it names one check.
        bodies = children(node)
        if node[0] == "if":
            bodies = [b for _, b in node[1]] + ([node[2]] if node[2] else [])
        named = []
        for body in bodies:
            cs = calls(body)
            if cs and all(c[0] == "skip" and (c[1] == "all" or c[1].endswith(": all")) for c in cs):
                continue  # a whole suite or VM part skipped ("all", "devices: all")
            if cs and len({c[1] for c in cs}) == 1:
                # The branch's PASS if it has one, else its first call.
                named.append(next((c for c in cs if c[0] == "pass"), cs[0]))
            elif cs:
                named = []
                break
        # One PASS name, and the other branches its FAIL or SKIP. Two PASS names are
        # two checks, one per setup (cgroup v1 or v2, the tier in use): not paired.
        passes = {c[1] for c in named if c[0] == "pass"}
        if len(passes) == 1:
            base = next(c for c in named if c[0] == "pass")
            for c in named:
                if c is not base:
                    pair(base, c)
    if node[0] == "if":
        # A condition's lists hold no outcome of the chain: checked on their own only.
        for cond, body in node[1]:
            check_tree(cond, pair)
            check_tree(body, pair)
        if node[2]:
            check_tree(node[2], pair)
        return
    if node[0] in ("list", "andor", "pipe"):
        for sub in node[1]:
            check_tree(sub, pair)
        return
    for lst in children(node):
        check_tree(lst, pair)


def check_file(path):
    """The mismatches of one file, as report lines, and how many pairs it compared."""
    with open(path, encoding="utf-8") as f:
        src = f.read()
    tree = Parser(Lexer(src).tokens()).parse_list(stop=())
    out, pairs = [], set()

    def pair(a, b):
        pairs.add((a[2], b[2]))
        if a[1] != b[1]:
            out.append(f"{path}:{a[2]}: {a[0].upper()} name differs from {b[0].upper()} name: "
                       f"\"{a[1]}\" (line {a[2]}) / \"{b[1]}\" (line {b[2]})")

    check_tree(tree, pair)
    return sorted(set(out), key=lambda s: int(s.split(":")[1])), len(pairs)


def main(argv):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    files = argv[1:]
    if not files:
        os.chdir(root)
        files = sorted(glob.glob("tests/integration/*.sh") + glob.glob("tests/integration/*.inc") +
                       glob.glob("tests/vm/vm.d/*.sh") + glob.glob("tests/vm/*.sh") +
                       ["tests/vm/init"])
    bad, err, pairs = 0, 0, 0
    for path in files:
        try:
            lines, n = check_file(path)
            pairs += n
        except (OSError, SyntaxError, IndexError) as e:
            print(f"{path}: cannot parse: {e}", file=sys.stderr)
            err += 1
            continue
        for line in lines:
            print(line)
        bad += len(lines)
    # On stderr, for tests/check/check-names.sh: a lint that compares nothing proves nothing.
    print(f"check-names: {len(files)} files, {pairs} pairs of outcomes compared, {bad} differ",
          file=sys.stderr)
    if err:
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
