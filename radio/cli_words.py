"""typer's and click's own words — help panels, usage lines, usage errors — in Vietnamese.

typer vendors its own click, whose strings are English literals rather than gettext calls,
so a translation catalog cannot reach them. They are replaced here, in one place: panel
titles and markers are module settings of ``typer.rich_utils``; metavars, the help
option's text, the order of commands and an example per command are set on the built
command tree; usage errors are worded from the exception's fields.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import re
import sys

import typer
from typer._click import exceptions as click_errors
from typer._click.formatting import HelpFormatter

# Commands in the order of the month's work, then the occasional ones.
ORDER = ["init", "library", "plan", "new-month", "compose", "normalize", "review", "record", "produce", "approve",
         "reject", "schedule", "bulletin", "relay", "player", "publish", "status", "history", "log", "report", "studio", "users",
         "backup", "restore", "verify", "voices", "plugins", "cache", "demo"]

EXAMPLES = {
    "init": "radio init dai-xa-toi",
    "plan": "radio plan 2027 --station dai-xa-toi",
    "library": "radio library --changes 2027",
    "new-month": "radio new-month 2027-01 --station dai-xa-toi",
    "compose": "radio compose 2027-01 --station dai-xa-toi",
    "normalize": "radio normalize \"Nộp hồ sơ trước 17h ngày 15/01/2027.\"",
    "review": "radio review 2027-01 --station dai-xa-toi",
    "produce": "radio produce 2027-01 --station dai-xa-toi",
    "record": "radio record 2027-01 --segment 01-opening --file loi-chao.m4a --by \"Trần Văn Bình\"",
    "approve": "radio approve 2027-01 --by \"Trần Văn Bình\" --role \"Phó Chủ tịch UBND xã\"",
    "reject": "radio reject 2027-01 --by \"Trần Văn Bình\" --reason \"Sửa lại số liệu\"",
    "schedule": "radio schedule 2027-01 --add \"2027-01-20 19:00\"",
    "bulletin": "radio bulletin new --text \"Thông báo …\" --level khan-cap --station dai-xa-toi",
    "bulletin new": "radio bulletin new --file thong-bao.txt --level uu-tien --at \"17:30 05/12/2026\" --repeat 3 --every 30",
    "bulletin approve": "radio bulletin approve 20261205-071500-khan-cap --by \"Trần Văn Bình\" --role \"Chủ tịch UBND xã\"",
    "bulletin reject": "radio bulletin reject 20261205-071500-khan-cap --by \"Trần Văn Bình\" --reason \"Bão đã tan\"",
    "bulletin list": "radio bulletin list --station dai-xa-toi",
    "bulletin show": "radio bulletin show 20261205-071500-khan-cap --station dai-xa-toi",
    "bulletin import": "radio bulletin import --station dai-xa-toi",
    "relay": "radio relay --days 14 --station dai-xa-toi",
    "player": "radio player run --station dai-xa-toi",
    "player run": "radio player run --station dai-xa-toi --output system",
    "player status": "radio player status --station dai-xa-toi",
    "publish": "radio publish 2027-01 --station dai-xa-toi",
    "status": "radio status --station dai-xa-toi",
    "history": "radio history 2027-01 --station dai-xa-toi",
    "log": "radio log --month 2027-01 --csv nhat-ky.csv",
    "report": "radio report 2027-Q1 --detail --station dai-xa-toi",
    "voices": "radio voices --station dai-xa-toi",
    "voices install": "radio voices install vais1000-medium --station dai-xa-toi",
    "cache": "radio cache stats --station dai-xa-toi",
    "cache stats": "radio cache stats --station dai-xa-toi",
    "cache prune": "radio cache prune --older-than 180 --station dai-xa-toi",
    "demo": "radio demo",
    "plugins": "radio plugins",
    "backup": "radio backup --station dai-xa-toi",
    "restore": "radio restore backups/radio-20261203-000000.db --station dai-xa-toi",
    "verify": "radio verify site/dau-kiem.json reports/bao-cao-2026-Q4.md --station dai-xa-toi",
    "studio": "radio studio --station dai-xa-toi --port 8080",
    "users": "radio users add lan.vhxh --role officer --name \"Nguyễn Thị Lan\" --title \"Công chức VH-XH\"",
    "users add": "radio users add binh.pct --role leader --name \"Trần Văn Bình\" --title \"Phó Chủ tịch UBND xã\"",
    "users list": "radio users list --station dai-xa-toi",
    "users disable": "radio users disable lan.vhxh --station dai-xa-toi",
    "users passwd": "radio users passwd lan.vhxh --station dai-xa-toi",
}

_TYPES = {"<str>": "<chữ>", "<path>": "<thư mục>", "<float>": "<số>", "<int>": "<số nguyên>",
          "<file>": "<tệp>", "<directory>": "<thư mục>", "<bool>": None}

_PANELS = {
    "ARGUMENTS_PANEL_TITLE": "Tham số",
    "OPTIONS_PANEL_TITLE": "Tùy chọn",
    "COMMANDS_PANEL_TITLE": "Lệnh",
    "ERRORS_PANEL_TITLE": "Lỗi",
    "ABORTED_TEXT": "Đã dừng.",
    "DEFAULT_STRING": "[mặc định: {}]",
    "REQUIRED_LONG_STRING": "[bắt buộc]",
    "ENVVAR_STRING": "[biến môi trường: {}]",
    "DEPRECATED_STRING": "(không còn dùng) ",
    "RICH_HELP": "Xem hướng dẫn: [blue]{command_path} {help_option}[/]",
}

# Pydantic's words for a value typer could not convert.
_VALUE_ERRORS = [
    ("valid integer", "phải là số nguyên"),
    ("valid number", "phải là một số"),
    ("valid boolean", "phải là true hoặc false"),
    ("does not exist", "không tồn tại"),
]


def vietnamese(app: typer.Typer, late_help: dict | None = None):
    """The click command tree of ``app``, speaking Vietnamese. ``late_help`` maps a
    placeholder written in an option's help to the function that says it, called only when
    that help is shown (a list read from installed packages costs every command otherwise)."""
    _when_imported("typer.rich_utils", _translate_panels)
    _usage_prefix()
    _type_labels()
    command = typer.main.get_command(app)
    _walk(command, "", late_help or {})
    return command


def _translate_panels(rich_utils) -> None:
    for name, text in _PANELS.items():
        setattr(rich_utils, name, text)
    rich_utils.rich_format_error = _show_usage_error


class _AfterImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: it lets the usual finder load ``name`` and then runs ``then``."""

    def __init__(self, name: str, then) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        load, then = spec.loader.exec_module, self.then

        def exec_module(module):
            load(module)
            then(module)

        spec.loader.exec_module = exec_module
        return spec


def _when_imported(name: str, then) -> None:
    """Run ``then(module)`` once ``name`` is imported: typer loads its help renderer (and
    rich's markdown with it, a fifth of a second) only when help or an error is shown."""
    if name in sys.modules:
        then(sys.modules[name])
    elif not any(isinstance(f, _AfterImport) and f.name == name for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport(name, then))


def _walk(command, path: str, late_help: dict) -> None:
    command.options_metavar = "[TÙY CHỌN]"
    _fill_when_shown(command, late_help)
    if hasattr(command, "subcommand_metavar"):
        command.subcommand_metavar = "LỆNH [THAM SỐ]..."
    example = EXAMPLES.get(path)
    if example:
        command.epilog = f"Ví dụ: {example}"
    commands = getattr(command, "commands", None)
    if commands:
        ordered = sorted(commands, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))
        command.commands = {name: commands[name] for name in ordered}
        for name, sub in command.commands.items():
            _walk(sub, f"{path} {name}".strip(), late_help)


def _fill_when_shown(command, late_help: dict) -> None:
    waiting = [p for p in command.params if any(key in (getattr(p, "help", None) or "") for key in late_help)]
    if not waiting:
        return
    shown = command.format_help

    def format_help(ctx, formatter):
        for param in waiting:
            for key, say in late_help.items():
                if key in param.help:
                    param.help = param.help.replace(key, say())
        return shown(ctx, formatter)

    command.format_help = format_help


def _usage_prefix() -> None:
    @_patched(HelpFormatter, "write_usage")
    def _(english):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            english(self, prog, args, "Cách dùng: " if prefix is None else prefix)
        return write_usage


def _patched(owner, name: str):
    """Decorator: replace ``owner.name`` with a wrapper of it, once per process."""
    def install(make):
        english = getattr(owner, name)
        if not getattr(english, "_vietnamese", False):
            wrapper = make(english)
            wrapper._vietnamese = True
            setattr(owner, name, wrapper)
        return make
    return install


def _type_labels() -> None:
    from typer._click.core import Command
    from typer.core import TyperArgument, _TyperParameter

    @_patched(_TyperParameter, "display_type")
    def _(english):
        def display_type(self, ctx):
            if getattr(self, "is_flag", False):
                return None  # a switch takes no value
            label = english(self, ctx)
            if label and label.endswith(" range>"):  # a number with bounds
                label = label.replace(" range>", ">")
            if label and label.startswith("<list["):
                return f"{_TYPES.get('<' + label[6:-2] + '>', label)}..."
            return _TYPES.get(label, label)
        return display_type

    @_patched(TyperArgument, "_usage_display_name")
    def _(english):
        def usage_name(self):  # typer marks required arguments {LIKE_THIS}; we write them bare
            if self.hidden:  # an older form still accepted, by its code name: not shown
                return ""
            name = english(self)
            return name[1:].replace("}", "", 1) if name.startswith("{") else name
        return usage_name

    @_patched(Command, "get_help_option")
    def _(english):
        def get_help_option(self, ctx):
            option = english(self, ctx)
            if option is not None:
                option.help = "Xem hướng dẫn của lệnh này rồi thoát."
            return option
        return get_help_option


def usage_message(error: click_errors.ClickException) -> str:
    """What went wrong on the command line, in Vietnamese."""
    ctx = getattr(error, "ctx", None)
    if isinstance(error, click_errors.NoSuchOption):
        text = f"Không có tùy chọn {error.option_name}."
        if error.possibilities:
            text += f" Có phải ý bạn là {', '.join(sorted(error.possibilities))}?"
        return text
    if isinstance(error, click_errors.MissingParameter):
        return f"Thiếu {_what(error.param, ctx)}."
    if isinstance(error, click_errors.BadParameter):
        message = error.message
        for english, vietnamese_text in _VALUE_ERRORS:
            if english in message:
                message = vietnamese_text
                break
        return f"Giá trị không hợp lệ cho {_what(error.param, ctx)}: {message}."
    message = error.format_message()
    found = re.fullmatch(r"No such command '(.*)'\.", message)
    if found:
        return f"Không có lệnh '{found.group(1)}'."
    found = re.fullmatch(r"Got unexpected extra argument\(s\) \((.*)\)", message)
    if found:
        return f"Thừa tham số: {found.group(1)}."
    if message == "Missing command.":
        return "Thiếu tên lệnh."
    return message


def _what(param, ctx) -> str:
    if param is None:
        return "tham số"
    if param.param_type_name == "option":
        return f"tùy chọn {'/'.join(param.opts)}"
    return f"tham số {param.metavar or param.name.upper()}"


def _show_usage_error(error: click_errors.ClickException) -> None:
    from rich.panel import Panel
    from typer import rich_utils

    console = rich_utils._get_rich_console(stderr=True)
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        console.print(rich_utils.highlighter(ctx.get_usage()), style=rich_utils.STYLE_USAGE_COMMAND)
        console.print(f"Xem hướng dẫn: {ctx.command_path} --help", style=rich_utils.STYLE_ERRORS_SUGGESTION,
                      markup=False)
    try:
        message = usage_message(error)
    except Exception:  # noqa: BLE001 - a wording problem must not hide the user's mistake
        message = error.format_message()
    console.print(Panel(rich_utils.highlighter(message),
                        border_style=rich_utils.STYLE_ERRORS_PANEL_BORDER,
                        title=rich_utils.ERRORS_PANEL_TITLE, title_align=rich_utils.ALIGN_ERRORS_PANEL))
