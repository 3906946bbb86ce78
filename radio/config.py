"""Read YAML files into validated models; every problem names the file and the line."""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from radio.errors import ConfigError
from radio.fileio import write_text

M = TypeVar("M", bound=BaseModel)
LineMap = dict[tuple[Any, ...], int]

# Pydantic's error types in the officer's language; anything unlisted falls back to
# pydantic's own (English) text so no detail is lost.
_ERROR_TEXT = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được phép (có thể gõ sai tên)",
    "string_type": "phải là một chuỗi chữ",
    "string_too_short": "không được để trống",
    "string_pattern_mismatch": "sai định dạng",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "float_parsing": "phải là một số",
    "float_type": "phải là một số",
    "bool_parsing": "phải là true hoặc false",
    "list_type": "phải là một danh sách (các dòng bắt đầu bằng '- ')",
    "dict_type": "phải là một nhóm khoá: giá trị",
    "model_type": "phải là một nhóm khoá: giá trị",
    "too_short": "danh sách không được để trống",
    "literal_error": "giá trị không nằm trong các lựa chọn cho phép",
    "greater_than": "giá trị quá nhỏ",
    "greater_than_equal": "giá trị quá nhỏ",
    "less_than": "giá trị quá lớn",
    "less_than_equal": "giá trị quá lớn",
    "value_error": "giá trị không hợp lệ",
}

_FORMAT_HINTS = {
    "month": "tháng viết dạng NĂM-THÁNG, ví dụ 2026-12",
    "start": "giờ viết dạng GIỜ:PHÚT, ví dụ 06:00 hoặc 17:30",
    "id": "chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ dai-xa-an-lac",
    "voice": "dùng id của một phát thanh viên khai báo trong station.yaml",
    "station": "dùng id của đài, chữ thường không dấu, ví dụ an-lac",
}


# What a hand-written station file, brief or script can reasonably be; beyond these a file
# is refused with a message instead of exhausting memory, time or the parser's recursion.
MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_YAML_DEPTH = 40
MAX_YAML_NODES = 200_000  # counted as expanded: an "alias bomb" of a few lines is refused


def read_yaml(path: Path) -> tuple[Any, LineMap]:
    """Parse ``path``; return the data (every string in Unicode NFC) and a map from key
    path to 1-based line. Duplicate keys, deep nesting, alias expansion and huge files are
    refused with the file and line."""
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            raise ConfigError(path, f"tệp quá lớn ({path.stat().st_size // 1024} kB; tối đa "
                                    f"{MAX_YAML_BYTES // 1024 // 1024} MB).",
                              hint="tệp cấu hình, bản tin và kịch bản chỉ vài chục kB; kiểm tra lại tên tệp.")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "không tìm thấy tệp.",
                          hint="kiểm tra lại đường dẫn và tên tệp.") from None
    except UnicodeDecodeError:
        raise ConfigError(path, "tệp không phải văn bản UTF-8.",
                          hint="lưu lại tệp với mã hoá UTF-8 (Notepad: Lưu thành → UTF-8).") from None
    except OSError as exc:
        raise ConfigError(path, f"không đọc được tệp ({exc.strerror}).") from None
    loader = _loader_for(text)
    try:
        node = loader.get_single_node()
        lines: LineMap = {}
        if node is not None:
            _check_shape(path, node)
            _index_lines(path, node, (), lines)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "lỗi cú pháp"
        raise ConfigError(
            path, f"lỗi cú pháp YAML ({problem}).", line=line,
            hint="kiểm tra thụt lề (dùng dấu cách, không dùng Tab), dấu ':' sau tên trường "
                 "và dấu ngoặc kép đóng mở đủ cặp.",
        ) from None
    except RecursionError:
        raise ConfigError(path, f"các mục lồng nhau quá sâu (hơn {MAX_YAML_DEPTH} tầng).",
                          hint="tệp có thể bị hỏng; mở tệp và kiểm tra các dấu ngoặc [ ] { }.") from None
    finally:
        loader.dispose()
    return _nfc(data), lines


def _loader_for(text: str) -> yaml.SafeLoader:
    """libyaml's parser (ten times faster: `radio status` reads the station and the scripts)
    when the text cannot nest deeper than its recursive composer safely goes; otherwise the
    pure-Python one, whose depth errors are caught. Nesting needs a new indent, a '- ', ': '
    or '? ' on the same line, or a bracket, so this bound is never below the real depth."""
    if not getattr(yaml, "__with_libyaml__", False):
        return yaml.SafeLoader(text)
    brackets = text.count("[") + text.count("{")
    per_line = max((len(line) - len(line.lstrip(" ")) + line.count("- ") + line.count(": ")
                    + line.count("? ") for line in text.splitlines()), default=0)
    if brackets + per_line > _C_PARSER_MAX_DEPTH:
        return yaml.SafeLoader(text)
    return yaml.CSafeLoader(text)


_C_PARSER_MAX_DEPTH = 1000


def _check_shape(path: Path, root: yaml.Node) -> None:
    """Depth and expanded size, walked without recursion; sizes of shared (aliased) nodes
    are counted every time they are used, as anything that reads the data would."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        if depth > MAX_YAML_DEPTH:
            raise ConfigError(path, f"các mục lồng nhau quá sâu (hơn {MAX_YAML_DEPTH} tầng).",
                              line=node.start_mark.line + 1,
                              hint="tệp có thể bị hỏng; mở tệp và kiểm tra các dấu ngoặc [ ] { }.")
        children = _children(node)
        if children_done or not children:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[id(node)] > MAX_YAML_NODES:
                raise ConfigError(path, "tệp dùng tham chiếu (&, *) lồng nhau tạo ra quá nhiều mục.",
                                  line=node.start_mark.line + 1,
                                  hint="viết thẳng nội dung thay vì dùng & và *.")
            continue
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _nfc(value: Any) -> Any:
    """Text typed with a decomposed keyboard (Unikey's "Unicode tổ hợp", macOS) composed,
    so the speech engines and every comparison see one form."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


def _index_lines(path: Path, node: yaml.Node, where: tuple[Any, ...], lines: LineMap) -> None:
    lines[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if isinstance(key_node, yaml.ScalarNode) and key in seen:
                raise ConfigError(path, f"khoá '{key}' được khai báo hai lần (dòng {seen[key]} và dòng {line}).",
                                  line=line, hint="giữ một lần khai báo, xoá lần còn lại.")
            seen[key] = line
            key_path = where + (unicodedata.normalize("NFC", key) if isinstance(key, str) else key,)
            _index_lines(path, value_node, key_path, lines)
            # A key's own line is more useful than where its (block) value starts.
            lines[key_path] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(path, item, where + (index,), lines)


def line_of(lines: LineMap, loc: tuple[Any, ...]) -> int | None:
    """Line of the deepest part of ``loc`` that exists in the file."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _describe(error: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    field = ".".join(str(part) for part in loc) or "(toàn tệp)"
    kind = error["type"]
    if kind == "missing":
        return f"thiếu trường bắt buộc '{field}'."
    text = _ERROR_TEXT.get(kind, error["msg"])
    if kind == "value_error":
        text = str(error.get("ctx", {}).get("error", error["msg"]))
    if kind == "literal_error" and "expected" in error.get("ctx", {}):
        text += f" ({error['ctx']['expected']})"
    hint = _FORMAT_HINTS.get(str(loc[-1])) if loc and kind == "string_pattern_mismatch" else None
    message = f"trường '{field}' {text}."
    return f"{message} Gợi ý: {hint}." if hint else message


_MAX_LISTED_ERRORS = 5


def validate(path: Path, data: Any, lines: LineMap, model: type[M], prefix: tuple[Any, ...] = ()) -> M:
    """``prefix``: where ``data`` sits in the file, when it is one section of it."""
    if data is None and not prefix:
        raise ConfigError(path, "tệp trống.", hint="điền nội dung theo tệp mẫu (radio init).")
    try:
        return model.model_validate({} if data is None else data)
    except ValidationError as exc:
        errors = [{**error, "loc": prefix + tuple(error["loc"])} for error in exc.errors()]
        first, rest = errors[0], errors[1:]
        problem = _describe(first)
        if rest:
            listed = [f"\n  - dòng {line_of(lines, tuple(e['loc']))}: {_describe(e)}"
                      for e in rest[:_MAX_LISTED_ERRORS - 1]]
            more = len(rest) - len(listed)
            problem += "\nCác lỗi khác trong cùng tệp:" + "".join(listed)
            if more:
                problem += f"\n  - và {more} lỗi khác."
        raise ConfigError(path, problem, line=line_of(lines, tuple(first["loc"]))) from None


def load_model(path: Path | str, model: type[M]) -> M:
    path = Path(path)
    data, lines = read_yaml(path)
    return validate(path, data, lines, model)


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line text as ``|`` blocks, so officers edit paragraphs, not escaped strings."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _str_representer)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_LiteralDumper, allow_unicode=True, sort_keys=False, width=100)


def save_model(path: Path | str, model: BaseModel, header: str = "") -> None:
    data = model.model_dump(mode="json", exclude_none=True)
    write_text(path, header + dump_yaml(data))
