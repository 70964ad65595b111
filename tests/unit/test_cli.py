import os
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

import jobyard.cluster
from jobyard import __version__
from jobyard.cli import app
from jobyard.cli.messages import language_of
from jobyard.cluster.config import ClusterConfig
from jobyard.cluster.datadir import DataDirLock, prepare
from jobyard.cluster.pki import write_kubeconfig
from jobyard.console.server import ConsoleSettings

WIDE = {"COLUMNS": "200"}


class FakeServer:
    """Stands in for ``jobyard.cluster.server`` and ``jobyard.console.server``: records settings, plays a start."""

    def __init__(self) -> None:
        self.configs: list[ClusterConfig] = []
        self.consoles: list[ConsoleSettings] = []
        self.failure: BaseException | None = None

    async def serve(
        self,
        config: ClusterConfig,
        *,
        on_ready: Callable[[Any], None] | None = None,
        on_stopping: Callable[[], None] = lambda: None,
    ) -> None:
        self.configs.append(config)
        with DataDirLock(prepare(config.data_dir)):
            if self.failure is not None:
                raise self.failure
            write_kubeconfig(config.kubeconfig_path, f"https://{config.host}:{config.api_port}", b"CA", "t")
            if on_ready is not None:
                on_ready(types.SimpleNamespace(stop=lambda: None))

    async def serve_console(self, settings: ConsoleSettings, *, on_ready: Callable[[Any], None] | None = None) -> None:
        self.consoles.append(settings)
        if on_ready is not None:
            on_ready(
                types.SimpleNamespace(
                    url=f"http://127.0.0.1:{settings.port}",
                    admin_password="pw",
                    admin_password_file=settings.data_dir / "admin-password",
                    stop=lambda: None,
                )
            )


@pytest.fixture
def server(monkeypatch):
    fake = FakeServer()
    module = types.ModuleType("jobyard.cluster.server")
    module.serve = fake.serve
    monkeypatch.setitem(sys.modules, "jobyard.cluster.server", module)
    monkeypatch.setattr(jobyard.cluster, "server", module, raising=False)
    console_module = types.ModuleType("jobyard.console.server")
    console_module.ConsoleSettings = ConsoleSettings
    console_module.serve_console = fake.serve_console
    monkeypatch.setitem(sys.modules, "jobyard.console.server", console_module)
    return fake


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=WIDE)


def test_help_lists_the_commands():
    result = invoke("--help")

    assert result.exit_code == 0
    assert "up" in result.output
    assert "version" in result.output


def test_up_help_shows_every_option_with_its_default():
    result = invoke("up", "--help")

    assert result.exit_code == 0
    lines = result.output.splitlines()

    def line_of(option: str) -> str:
        [line] = [line for line in lines if f"{option} " in line]
        return line

    assert "XDG_DATA_HOME" in result.output
    assert "[default: 6443]" in line_of("--api-port")
    assert "[default: 8080]" in line_of("--console-port")
    assert "--no-console" in line_of("--console")
    assert "[default: 127.0.0.1]" in line_of("--host")
    assert "--data-dir" in result.output


def test_version_prints_the_package_version():
    result = invoke("version")

    assert result.exit_code == 0
    assert result.output.strip() == f"jobyard {__version__}"


def test_python_dash_m_jobyard_is_the_command():
    result = subprocess.run([sys.executable, "-m", "jobyard", "version"], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == f"jobyard {__version__}"


def test_up_passes_its_options_to_the_server(server, tmp_path):
    result = invoke("up", "--data-dir", str(tmp_path), "--api-port", "7443", "--host", "10.0.0.5")

    assert result.exit_code == 0, result.output
    [config] = server.configs
    assert config.data_dir == tmp_path
    assert config.api_port == 7443
    assert config.host == "10.0.0.5"


def test_up_defaults_to_the_xdg_data_dir(server, tmp_path):
    result = CliRunner().invoke(app, ["up"], env={**WIDE, "XDG_DATA_HOME": str(tmp_path)})

    assert result.exit_code == 0, result.output
    assert server.configs[0].data_dir == tmp_path / "jobyard"
    assert server.configs[0].api_port == 6443
    assert server.configs[0].host == "127.0.0.1"


def test_up_when_ready_says_how_to_use_the_kubeconfig(server, tmp_path):
    result = invoke("up", "--data-dir", str(tmp_path), "--api-port", "7443")

    kubeconfig = tmp_path / "kubeconfig"
    assert f"export KUBECONFIG={kubeconfig}" in result.stdout
    assert "kubectl get ns" in result.stdout
    assert "https://127.0.0.1:7443" in result.stdout


def test_up_serves_the_console_on_its_port(server, tmp_path):
    result = invoke("up", "--data-dir", str(tmp_path), "--console-port", "9090")

    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:9090/api/docs" in result.stdout
    assert [settings.port for settings in server.consoles] == [9090]


def test_up_without_console_does_not_mention_the_console(server, tmp_path):
    result = invoke("up", "--data-dir", str(tmp_path), "--no-console")

    assert result.exit_code == 0
    assert server.consoles == []
    assert "web console" not in result.stdout
    assert "8080" not in result.stdout


def test_up_on_a_data_dir_in_use_exits_1_naming_the_holder(server, tmp_path):
    with DataDirLock(tmp_path):
        result = invoke("up", "--data-dir", str(tmp_path))

    assert result.exit_code == 1
    assert "already using" in result.stderr
    assert f"pid {os.getpid()}" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_up_turns_an_os_error_into_a_sentence(server, tmp_path):
    server.failure = OSError(98, "Address already in use")

    result = invoke("up", "--data-dir", str(tmp_path))

    assert result.exit_code == 1
    assert "Address already in use" in result.stderr
    assert "Traceback" not in result.output


def test_up_refuses_the_same_port_for_api_and_console(server, tmp_path):
    result = invoke("up", "--data-dir", str(tmp_path), "--api-port", "8080")

    assert result.exit_code == 2
    assert server.configs == []


def test_up_allows_the_same_port_when_the_console_is_off(server, tmp_path):
    result = invoke("up", "--data-dir", str(tmp_path), "--api-port", "8080", "--no-console")

    assert result.exit_code == 0, result.output


def test_readme_documents_every_command_and_every_up_option():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    group = typer.main.get_command(app)

    for name, command in group.commands.items():
        assert f"jobyard {name}" in readme, name
        for param in command.params:
            for option in param.opts + param.secondary_opts:
                if option != "--help":
                    assert option in readme, f"{name} {option}"


@pytest.mark.parametrize(
    "environ, language",
    [
        pytest.param({"LANG": "zh_CN.UTF-8"}, "zh-CN", id="a Chinese locale gives Chinese"),
        pytest.param({"LANG": "en_US.UTF-8"}, "en", id="an English locale gives English"),
        pytest.param({}, "en", id="no locale gives English"),
        pytest.param({"LANG": "zh_CN.UTF-8", "JOBYARD_LANG": "en"}, "en", id="JOBYARD_LANG overrides the locale"),
        pytest.param({"LANG": "en_US.UTF-8", "LC_ALL": "zh_TW.UTF-8"}, "zh-CN", id="LC_ALL comes before LANG"),
    ],
)
def test_the_language_follows_the_environment(environ, language):
    assert language_of(environ) == language


def test_help_is_in_chinese_under_a_chinese_locale():
    environ = {**os.environ, "LANG": "zh_CN.UTF-8", "LC_ALL": "", "JOBYARD_LANG": ""}
    result = subprocess.run(
        [sys.executable, "-m", "jobyard", "up", "--help"], capture_output=True, text=True, env=environ, check=True
    )
    assert "启动内置 Kubernetes 集群" in result.stdout
