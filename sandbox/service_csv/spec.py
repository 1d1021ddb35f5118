"""How the service_csv S3 plugs into the sandbox: moto's server as a detached process of its own.

`elt sandbox up` starts it (state.json records `s3_pid`, `s3_port`, `s3_url`, `s3_bucket`), creates
bucket `service-exports` and uploads days 0..day of generated exports; `tick` drops the next days'.
"""

from __future__ import annotations

import sys
import urllib.request
from collections.abc import Mapping
from typing import Any, ClassVar

from sandbox.framework import (
    ExternalContext,
    ExternalSpec,
    LoaderContext,
    Option,
    SandboxError,
    SimulatorUnavailable,
    alive,
    port_free,
    spawn_detached,
    terminate,
    wait_until,
)

LOG_FILE = "s3.log"
_MARKER = b"moto.server"


def _healthy(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def _corpus(seed: int, scale: float) -> Any:
    from sandbox.service_csv.generator import CorpusConfig

    return CorpusConfig(seed=seed, scale=scale)


def _running(state: Mapping[str, Any]) -> bool:
    pid = state.get("s3_pid")
    return isinstance(pid, int) and alive(pid, _MARKER)


class ServiceCsvSpec(ExternalSpec):
    name: ClassVar[str] = "service_csv"
    title: ClassVar[str] = "S3 (moto's server) holding service-request CSV exports"
    options: ClassVar[dict[str, Option]] = {
        "port": Option(8702, "port of the S3 endpoint on 127.0.0.1", minimum=1),
    }

    def start(self, ctx: ExternalContext, timeout: float = 30.0) -> dict[str, Any]:
        from sandbox.service_csv import s3 as sandbox_s3

        port = int(ctx.options.get("port", 8702))
        if not port_free(port):
            raise SimulatorUnavailable(
                f"port {port} is in use, so the S3 sandbox (service_csv) was not started"
            )
        log_path = ctx.state_dir / LOG_FILE
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
        process = spawn_detached(command, log_path, cwd=ctx.state_dir)
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _healthy(url), process, log_path, "the S3 sandbox", timeout, _MARKER)
        try:
            files = sandbox_s3.seed_bucket(url, _corpus(ctx.seed, ctx.scale), range(0, ctx.day + 1))
        except Exception as error:
            terminate(process.pid, marker=_MARKER)
            raise SandboxError(f"could not seed the S3 sandbox: {error}") from error
        return {"s3_pid": process.pid, "s3_port": port, "s3_url": url, "s3_bucket": sandbox_s3.BUCKET,
                "s3_files": len(files)}  # fmt: skip

    def status(self, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"s3_running": _running(state)} if "s3_pid" in state else {}

    def stop(self, state: Mapping[str, Any]) -> None:
        pid = state.get("s3_pid")
        if _running(state) and not terminate(pid, marker=_MARKER):  # type: ignore[arg-type]
            raise SandboxError(f"could not stop the S3 sandbox (pid {pid}): stop it by hand")

    def tick(self, state: Mapping[str, Any], from_day: int, to_day: int) -> dict[str, Any]:
        """Drop the exports of days from_day+1..to_day (with any re-uploads)."""
        if not _running(state) or to_day <= from_day:
            return {}
        from sandbox.service_csv import s3 as sandbox_s3
        from sandbox.service_csv.generator import corpus

        config = _corpus(int(state.get("seed", 42)), float(state.get("scale", 1.0)))
        files = corpus(config, range(from_day + 1, to_day + 1))
        try:
            bucket = state.get("s3_bucket", sandbox_s3.BUCKET)
            sandbox_s3.upload(sandbox_s3.client(state["s3_url"]), bucket, files)
        except Exception as error:  # boto3/network: say so, the other simulators ticked
            raise SandboxError(f"the S3 sandbox did not take the new exports: {error}") from error
        return {"service_csv_files": len(files)} if files else {}

    def loader_sections(self, ctx: LoaderContext) -> dict[str, dict[str, Any]]:
        from sandbox.service_csv import s3 as sandbox_s3

        section: dict[str, Any] = {
            "aws_access_key_id": sandbox_s3.ACCESS_KEY_ID,
            "aws_secret_access_key": sandbox_s3.SECRET_ACCESS_KEY,
        }
        if ctx.started and ctx.state.get("s3_url"):
            section["endpoint_url"] = ctx.state["s3_url"]
        return {"sources.service_csv": section}

    def owned_sections(self) -> tuple[str, ...]:
        return ("sources.service_csv",)

    def describe(self, ctx: LoaderContext) -> str:
        if not ctx.started or not ctx.state.get("s3_url"):
            return "service_csv: S3 not started"
        state = ctx.state
        return (
            f"service_csv: S3 at {state['s3_url']} (pid {state['s3_pid']}), bucket {state['s3_bucket']}, "
            f"{state.get('s3_files', 0)} export file(s)"
        )


SPEC = ServiceCsvSpec()
