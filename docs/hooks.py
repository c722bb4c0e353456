"""MkDocs hooks: the parts of the site generated when it is built.

* ``<!-- cli-help: COMMAND -->`` in a page becomes the ``--help`` of that
  command (and of its subcommands), from the parser itself
  (:func:`cli_help`); ``<!-- cli-help: -->`` is the top-level help.
* ``<!-- gallery -->`` becomes every analysis's figures and tables
  (:func:`gallery`), from the files ``deception-sim reproduce`` writes: those
  in the folder ``DECEPTION_SIM_GALLERY`` names (the tests reuse their own
  run), else from a run into a temporary folder. The files are copied into
  the site under ``gallery/``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

WIDTH = "100"
"""Columns of the generated help (argparse wraps to the terminal's width otherwise)."""

MARKER = re.compile(r"^<!-- cli-help: ?(\S*) -->$", re.MULTILINE)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_help(command: str) -> str:
    """Markdown: the help of ``deception-sim COMMAND`` and of each of its subcommands."""
    from deception_sim.cli import build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        parser = build_parser()
        if command:
            parser = _subcommands(parser)[command]
        blocks = [("", parser)]
        blocks += [(f"{command} {name}", sub) for name, sub in _subcommands(parser).items()]
        out = []
        for title, sub in blocks if command else blocks[:1]:
            if title:
                out.append(f"#### `deception-sim {title}`\n")
            out.append("```text\n" + sub.format_help().rstrip() + "\n```\n")
        return "\n".join(out)
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous


# ---------------------------------------------------------------------------- the gallery
_state: dict[str, Any] = {}


def _gallery_folder() -> Path:
    if "folder" not in _state:
        given = os.environ.get("DECEPTION_SIM_GALLERY")
        if given:
            folder = Path(given)
        else:
            from deception_sim.cli import main

            folder = Path(tempfile.mkdtemp(prefix="deception-sim-gallery-"))
            if main(["reproduce", "--quiet", "--out", str(folder)]) != 0:
                raise RuntimeError("deception-sim reproduce failed; the gallery needs it")
        _state["folder"] = folder
    return _state["folder"]


def gallery(folder: Path, prefix: str = "gallery/") -> str:
    """Markdown: each analysis's title, figures, tables (with captions) and downloads."""
    import json

    manifest = json.loads((folder / "manifest.json").read_text())
    out = []
    for name, record in manifest["analyses"].items():
        files = record["files"]
        out.append(f"## {name}\n\n{record['title']}\n")
        for file in files:
            if file.endswith(".png"):
                out.append(f"![{name}: {file}]({prefix}{file})\n")
        for file in files:
            if file.endswith(".md"):
                text = (folder / file).read_text()
                caption, _, table = text.partition("\n\n")
                out.append(f"*{caption.removeprefix('Table: ')}*\n\n{table}")
        links = ", ".join(
            f"[{file}]({prefix}{file})" for file in files if not file.endswith((".png", ".md"))
        )
        if links:
            out.append(f"Files: {links}.\n")
    return "\n".join(out)


# ---------------------------------------------------------------------------- MkDocs events
def on_files(files: Any, config: Any) -> Any:
    """Add the gallery's files to the site, under ``gallery/``."""
    from mkdocs.structure.files import File

    if any(f.src_uri == "gallery.md" for f in files):
        folder = _gallery_folder()
        staging = Path(tempfile.mkdtemp(prefix="deception-sim-site-"))
        (staging / "gallery").mkdir()
        for path in sorted(folder.iterdir()):
            if path.suffix in (".png", ".pdf", ".csv", ".tex", ".json"):
                shutil.copy2(path, staging / "gallery" / path.name)
                files.append(
                    File(
                        f"gallery/{path.name}",
                        src_dir=str(staging),
                        dest_dir=config["site_dir"],
                        use_directory_urls=config["use_directory_urls"],
                    )
                )
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill in the generated parts of a page."""
    markdown = MARKER.sub(lambda m: cli_help(m.group(1)), markdown)
    if "<!-- gallery -->" in markdown:
        markdown = markdown.replace("<!-- gallery -->", gallery(_gallery_folder()))
    return markdown
