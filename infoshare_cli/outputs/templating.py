"""Printable records from Jinja2 templates: the built-in ones, or a setting's own.

The built-in templates live in ``templates/`` beside this module (``page.md``/``page.html``
for a whole document, ``decision.md``/``decision.html`` for one decision). A setting can
give its own template with ``--template FILE``; it may ``{% extends "page.html" %}`` and
fill a block (a letterhead) or be a whole page of its own. See docs/templates.md.

Whatever the template, what people typed cannot become markup:

- Templates run in Jinja2's sandbox, with undefined names an error (``StrictUndefined``).
- Every ``{{ value }}`` goes through ``finalize``: for HTML, control characters replaced and
  the text escaped (``printable.e``) whatever ``{% autoescape %}`` says, and autoescaping is
  on as well; for Markdown, the backslash escaping of ``printable.md``. The ``safe`` filter
  is removed, so no template can switch the escaping off.
- A broken template (a syntax mistake, an unknown name, a file that cannot be read) is an
  ``InfoshareError`` naming the file and line. Jinja2's messages quote the template's own
  words; anything quoted that is not in the template (it came from the log) is left out.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infoshare_cli.domain.text import displayable
from infoshare_cli.errors import InfoshareError
from infoshare_cli.outputs import printable

if TYPE_CHECKING:
    import jinja2
    import jinja2.sandbox

TEMPLATES = Path(__file__).with_name("templates")
PAGE = {"md": "page.md", "html": "page.html"}
BUILT_IN = ("page.html", "decision.html", "page.md", "decision.md")
CUSTOM = "<your template>"  # the name a --template file is loaded under
_PIECES_JOINED = 512  # the template's pieces in each piece render() yields
_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}


class MdText(str):
    """Markdown already made inert (by the ``md`` filter): not escaped a second time."""


# Every value a page prints goes through the escaping below, and most of them recur from
# decision to decision (question texts, answer labels, names, headings): texts are escaped
# once each, kept in a bounded cache. Only exact ``str`` values are cached; anything else
# (a number, a list, a subclass such as ``Markup``) is escaped as it comes.
_ESCAPED_KEPT = 1 << 12  # recurring texts are met again each decision: they stay in


@functools.lru_cache(maxsize=_ESCAPED_KEPT)
def _md_text(text: str) -> MdText:
    return MdText(printable.md(text))


def _md_filter(value: Any) -> MdText:
    if type(value) is str:
        return _md_text(value)
    return value if isinstance(value, MdText) else MdText(printable.md(value))


def _md_finalize(value: Any) -> str:
    return _md_filter(value)


@functools.lru_cache(maxsize=_ESCAPED_KEPT)
def _html_text(text: str) -> Any:
    from markupsafe import Markup

    return Markup(printable.e(text))


def _html_finalize(value: Any) -> Any:
    if type(value) is str:
        return _html_text(value)
    from markupsafe import Markup

    if isinstance(value, Markup):  # escaped already (by the e filter, join, tojson...)
        return Markup(displayable(str(value)))
    return Markup(printable.e(value))


def _html_filter(value: Any) -> Any:
    return _html_finalize(value)


# The plain fields of what a page shows of a decision (printable.py's frozen dataclasses of
# texts, numbers, flags and tuples of those): read by the templates thousands of times in
# an export. The sandbox would check each read (the name, then the value's type) and find
# each one safe; these are let through at once. Everything else is checked as before.
_PLAIN_FIELDS = {
    cls: frozenset(field.name for field in dataclasses.fields(cls))
    for cls in (printable.PrintedDecision, printable.Row, printable.Signature, printable.Correction)
}


@functools.cache
def _sandbox() -> type[jinja2.sandbox.SandboxedEnvironment]:
    from jinja2.sandbox import SandboxedEnvironment

    plain_fields = _PLAIN_FIELDS

    class Sandbox(SandboxedEnvironment):
        def getattr(self, obj: Any, attribute: str) -> Any:
            fields = plain_fields.get(type(obj))
            if fields is not None and attribute in fields:
                return getattr(obj, attribute)
            return super().getattr(obj, attribute)

    return Sandbox


def _environment(fmt: str, custom: Path | None, source: str) -> jinja2.Environment:
    import jinja2

    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(TEMPLATES)]
    if custom is not None:
        text = source  # bound now: the loader must not read the file a second time

        def load(name: str) -> tuple[str, str, Any] | None:
            return (text, str(custom), lambda: True) if name == CUSTOM else None

        loaders.insert(0, jinja2.FunctionLoader(load))
    env = _sandbox()(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=fmt == "html",
        finalize=_html_finalize if fmt == "html" else _md_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.pop("safe", None)
    if fmt == "html":
        env.filters["e"] = env.filters["escape"] = _html_filter
    else:
        env.filters["md"] = _md_filter
    return env


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise InfoshareError(f"{path} is a folder; give the path of a template file.") from None
    except FileNotFoundError:
        raise InfoshareError(f"No template file at {path}. Check the path.") from None
    except PermissionError:
        raise InfoshareError(f"{path}: permission denied; cannot read the template.") from None
    except UnicodeDecodeError:
        raise InfoshareError(
            f"{path} is not UTF-8 text. Save the template as UTF-8 and try again."
        ) from None
    except OSError as exc:
        raise InfoshareError(f"{path}: cannot read the template ({exc.strerror}).") from None


class Printable:
    """A compiled page template for one format, ready to render decisions."""

    def __init__(self, fmt: str, path: Path | None = None):
        if fmt not in PAGE:
            raise InfoshareError("--template goes with --format md or --format html.")
        self.fmt = fmt
        self.path = path
        self._source = ""
        if path is not None:
            looks_like = _SUFFIXES.get(path.suffix.lower())
            if looks_like is not None and looks_like != fmt:
                raise InfoshareError(
                    f"{path.name} looks like a{'n HTML' if looks_like == 'html' else ' Markdown'}"
                    f" template, but the format is {fmt}. Use --format {looks_like}, or "
                    "another template."
                )
            self._source = _read(path)
        import jinja2

        env = _environment(fmt, path, self._source)
        try:
            self.template = env.get_template(CUSTOM if path is not None else PAGE[fmt])
        except jinja2.TemplateError as exc:
            raise self._error(exc) from None

    def render(self, **context: Any) -> Iterator[str]:
        """The page in pieces, as it is made (an export of many decisions streams): each
        piece the text of a few hundred of the template's own pieces, so that a writer
        handles a few per decision, not hundreds."""
        import jinja2

        try:
            pieces = self.template.generate(**context)
            while block := list(islice(pieces, _PIECES_JOINED)):
                yield "".join(block)
        except jinja2.TemplateError as exc:
            raise self._error(exc) from None
        except (TypeError, ValueError, LookupError, ArithmeticError) as exc:
            if self.path is None:
                raise  # a fault in infoshare, not in a template someone gave
            raise self._error(exc) from None

    # -- errors

    def _error(self, exc: BaseException) -> InfoshareError:
        import jinja2

        where, line = self._where(exc)
        if isinstance(exc, jinja2.TemplateNotFound):
            detail = (
                f"there is no built-in template called '{exc.name}' (there are "
                f"{', '.join(BUILT_IN)})"
            )
            fallback = f"there is no such built-in template (there are {', '.join(BUILT_IN)})"
        elif isinstance(exc, jinja2.UndefinedError):
            detail, fallback = str(exc.message), "it uses a name or a field that does not exist"
        elif isinstance(exc, jinja2.sandbox.SecurityError):
            detail, fallback = str(exc.message), "it uses something a template may not use"
        elif isinstance(exc, jinja2.TemplateError):
            detail, fallback = str(exc.message), type(exc).__name__
            if "'safe'" in detail:
                detail = (
                    detail.rstrip(".")
                    + " (what people typed is always escaped, so there is no safe filter)"
                )
        else:
            detail = f"{type(exc).__name__}: {exc}"
            fallback = f"{type(exc).__name__} (a value of the wrong kind for what it does)"
        if not self._only_template_words(detail):
            detail = fallback
        detail = re.sub(r"'[\w.]*\.(\w+ object)'", r"'\1'", detail)  # no module paths
        at = f", line {line}" if line else ""
        fix = "Fix the template, or leave out --template to use the built-in one."
        if self.path is None:
            fix = "This is a fault in infoshare: please report it."
        return InfoshareError(f"The template {where}{at}: {detail.rstrip('.')}. {fix}")

    def _where(self, exc: BaseException) -> tuple[str, int | None]:
        """The template (the given file, or a built-in one) and line the error is on."""
        import jinja2

        if isinstance(exc, jinja2.TemplateSyntaxError):
            return self._name(exc.filename), exc.lineno
        found: tuple[str, int | None] = (self._name(None), None)
        tb = exc.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename == str(self.path) or Path(filename).parent == TEMPLATES:
                found = (self._name(filename), tb.tb_lineno)
            tb = tb.tb_next
        return found

    def _name(self, filename: str | None) -> str:
        if filename is None or (self.path is not None and filename == str(self.path)):
            return str(self.path.name if self.path is not None else PAGE[self.fmt])
        return f"{Path(filename).name} (built in)"

    def _only_template_words(self, detail: str) -> bool:
        """Whether every word the message quotes is the template's own (or a type's name).

        Jinja2 and Python quote what went wrong; when a template looks up something by a
        value from the log, that value (a case reference, a name) would be quoted too.
        """
        known = self._source
        if self.path is None:
            known = "".join((TEMPLATES / name).read_text(encoding="utf-8") for name in BUILT_IN)
        quoted = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")
        if "\n" in detail or re.search(r"['\"]", quoted.sub("", detail)):
            return False  # quotes that do not pair up: something quoted holds them
        for single, double in quoted.findall(detail):
            word = single or double
            if not (word in known or word in _TYPE_NAMES or re.fullmatch(r"[\w.]+ object", word)):
                return False
        return True


_TYPE_NAMES = frozenset(
    {"str", "int", "float", "bool", "list", "dict", "tuple", "NoneType", "Undefined"}
)


class Decisions:
    """The decisions a page shows, made as the template reaches them, and counted."""

    def __init__(self, decisions: Iterable[printable.PrintedDecision]):
        self._decisions = iter(decisions)
        self.count = 0

    def __iter__(self) -> Iterator[printable.PrintedDecision]:
        for decision in self._decisions:
            self.count += 1
            yield decision


def render_page(
    page: Printable,
    decisions: Iterable[printable.PrintedDecision],
    *,
    setting: str,
    title: str,
    summary: list[tuple[str, str]] | None = None,
    anchor: str | None = None,
) -> tuple[Iterator[str], Decisions]:
    """The page's pieces, and the counted decisions (whose count is final once rendered).

    ``anchor``: the log's head when the page was made, as an anchor line (a printed record
    carries it, so the paper copy is itself an anchor)."""
    counted = Decisions(decisions)
    pieces = page.render(
        decisions=counted,
        setting=setting,
        title=title,
        summary=summary,
        level=1 if summary is None else 2,
        anchor=anchor,
    )
    return pieces, counted
