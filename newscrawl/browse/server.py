"""``python -m newscrawl browse``: Datasette on 127.0.0.1 over the published dataset's
``archive.sqlite``, with newscrawl's plugin, templates and metadata."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from datasette.app import Datasette
from datasette.plugins import pm

from newscrawl.archive import archivedb
from newscrawl.archive.dataset import ARCHIVE_DB, shared_archive_db
from newscrawl.browse import plugin
from newscrawl.browse.metadata import TIME_LIMIT_MS, metadata

TEMPLATES = Path(__file__).parent / "templates"
SETTINGS = {
    "sql_time_limit_ms": TIME_LIMIT_MS,
    "suggest_facets": False,  # suggestions scan 1.3 M comments for nothing on each table page
    "allow_download": False,  # the whole file is the dataset's largest; the formats beside it are smaller
    "default_page_size": 50,
}


def archive(dataset: Path) -> Datasette:
    """Datasette over the dataset's ``archive.sqlite``, read-only, with the metadata of the build
    ``dataset`` points to. The builds share that file and bring it up to date in place, in one
    transaction (``Builder._archive_db``): it is opened as a file that changes, never as
    immutable, and new runs show without a restart. A build that makes it anew (a run it held
    changed) renames a new file over it, which connections opened before do not see: restart."""
    build = dataset.resolve()
    if not (build / ARCHIVE_DB).is_file():
        raise SystemExit(f"newscrawl: no {ARCHIVE_DB} in {dataset}/: build it with `python -m newscrawl dataset` "
                         "(DATASET_SQLITE on)")
    if not pm.is_registered(plugin):
        pm.register(plugin, name="newscrawl-browse")
    archivedb.roll_back_killed_update(shared_archive_db(dataset))
    return Datasette(files=[str(shared_archive_db(dataset))], metadata=metadata(build), template_dir=str(TEMPLATES),
                     settings=SETTINGS)


def serve(dataset: Path, port: int) -> int:
    """Serve until Ctrl-C; 2, with one line, when the port is taken."""
    import uvicorn

    try:
        with socket.socket() as probe:  # before anything is said of a URL that would not answer
            probe.bind(("127.0.0.1", port))
    except OSError as error:
        print(f"newscrawl: port {port} on 127.0.0.1 is in use ({error.strerror}): choose another with --port",
              file=sys.stderr)
        return 2
    app = archive(dataset).app()
    # Datasette prints every error, a 404 included, with its local variables when rich is
    # installed (it is, for the progress line): the plugin logs a 404 in one line instead.
    # (Imported here, once Datasette has registered its default plugins: imported before them,
    # this module would be registered half-loaded, without its handler.)
    from datasette import handle_exception as datasette_errors

    datasette_errors.rich = None
    print(f"newscrawl: browse the archive at http://127.0.0.1:{port}/archive (Ctrl-C stops)", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
    return 0
