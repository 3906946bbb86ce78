"""Read YAML files into validated models; every problem names the file and the line."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from radio.errors import ConfigError
from radio.fileio import write_text
from radio.models import date_problem

M = TypeVar("M", bound=BaseModel)
LineMap = dict[tuple[Any, ...], int]

# Pydantic's error types in the officer's language; anything unlisted is said as an
# invalid value (pydantic's own text is English).
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
    "bool_type": "phải là true hoặc false",
    "int_from_float": "phải là số nguyên (không có phần lẻ)",
    "int_parsing_size": "là một số quá lớn",
    "finite_number": "phải là một số hữu hạn",
    "string_too_long": "quá dài",
    "string_unicode": "phải là chữ (UTF-8)",
    "too_long": "có quá nhiều mục",
    "enum": "giá trị không nằm trong các lựa chọn cho phép",
    "none_required": "phải để trống",
    "mapping_type": "phải là một nhóm khoá: giá trị",
    "iterable_type": "phải là một danh sách (các dòng bắt đầu bằng '- ')",
    "set_item_not_hashable": "có mục không dùng được làm khoá",
}
_UNLISTED_ERROR = "có giá trị không hợp lệ"

# What each choice of a closed list means, said beside the value the officer types: the
# values are radio's own words (English or codes), the meaning is not.
_CHOICE_MEANING = {
    "standard": "mức −16 LUFS, cho loa thông minh và trang web",
    "ebu-r128": "mức −23 LUFS, chuẩn phát thanh châu Âu",
    "loudspeaker": "loa nén ngoài trời: −16 LUFS, cắt trầm, nén mạnh hơn",
    "local": "chương trình của xã", "relay": "tiếp sóng Đài tỉnh, Đài Trung ương",
    "12h": "đọc giờ kiểu 12 giờ: một giờ chiều", "24h": "đọc giờ kiểu 24 giờ: mười ba giờ",
    "2.3": "ID3 phiên bản 2.3, hợp với Windows, xe hơi, điện thoại", "2.4": "ID3 phiên bản 2.4",
    "silence": "im lặng", "ident": "nhạc hiệu của đài",
    "mon": "thứ Hai", "tue": "thứ Ba", "wed": "thứ Tư", "thu": "thứ Năm", "fri": "thứ Sáu",
    "sat": "thứ Bảy", "sun": "Chủ nhật",
}


def _choices(expected: str) -> str:
    """pydantic's "'a', 'b' or 'c'" as a Vietnamese list, each value with its meaning."""
    values = [v.strip().strip("'") for v in re.split(r",| or ", expected) if v.strip()]
    return ", ".join(f"{v} ({_CHOICE_MEANING[v]})" if v in _CHOICE_MEANING else v for v in values)

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
    path to 1-based line. Duplicate keys, deep nesting, alias expansion, huge files,
    invisible control characters and values YAML cannot convert (an impossible date) are
    refused with the file and line."""
    text = _read_text(path)
    return _parse(path, text, _loader_for(text), checked=True)


def parse_packaged(text: str, name: str) -> Any:
    """A YAML file that ships with radio: ours and trusted, so libyaml reads it without the
    bounds; its values are checked like an officer's (a wrong date there is a message too)."""
    return _parse(Path(name), text, _CLoader or _PyLoader, checked=False)[0]


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            raise ConfigError(path, f"tệp quá lớn ({path.stat().st_size // 1024} kB; tối đa "
                                    f"{MAX_YAML_BYTES // 1024 // 1024} MB).",
                              hint="tệp cấu hình, nội dung tháng và kịch bản chỉ vài chục kB; kiểm tra lại tên tệp.")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, "không tìm thấy tệp.",
                          hint="kiểm tra lại đường dẫn và tên tệp.") from None
    except OSError as exc:
        raise ConfigError(path, f"không đọc được tệp ({exc.strerror}).") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "tệp không phải văn bản UTF-8.", line=data.count(b"\n", 0, exc.start) + 1,
                          hint="lưu lại tệp với mã hoá UTF-8 (Notepad: Lưu thành → UTF-8).") from None


def _parse(path: Path, text: str, loader_class: type, *, checked: bool) -> tuple[Any, LineMap]:
    """``checked``: an officer's file, whose shape is bounded and whose lines are indexed."""
    _refuse_invisible(path, text)
    loader = loader_class(text)
    lines: LineMap = {}
    try:
        node = loader.get_single_node()
        if node is not None and checked:
            _check_shape(path, node)
            _index_lines(path, node, (), lines)
        data = loader.construct_document(node) if node is not None else None
    except _Unreadable as exc:
        raise ConfigError(path, exc.problem, line=exc.problem_mark.line + 1, hint=exc.hint) from None
    except yaml.YAMLError as exc:
        raise _syntax_error(path, exc) from None
    except RecursionError:
        raise ConfigError(path, f"các mục lồng nhau quá sâu (hơn {MAX_YAML_DEPTH} tầng).",
                          hint="tệp có thể bị hỏng; mở tệp và kiểm tra các dấu ngoặc [ ] { }.") from None
    finally:
        loader.dispose()
    return (_nfc(data) if checked else data), lines


# What YAML refuses to read: C0 and C1 controls but tab and line breaks, DEL, surrogates,
# U+FFFE and U+FFFF (PyYAML's own set). Pasted from Word, a PDF or a chat, they are invisible
# in an editor, so the message says where and which.
_INVISIBLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _refuse_invisible(path: Path, text: str) -> None:
    found = _INVISIBLE.search(text)
    if found is None:
        return
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    others = len(_INVISIBLE.findall(text, found.end()))
    more = f" (và {others} ký tự như vậy ở chỗ khác trong tệp)" if others else ""
    raise ConfigError(
        path, f"tệp chứa một ký tự điều khiển vô hình U+{ord(found.group()):04X}, YAML không cho phép "
              f"ký tự này{more}.", line=line, column=column,
        hint=f"mở tệp, đặt con trỏ ở dòng {line}, cột {column} và xoá ký tự đó (thường lẫn vào khi dán "
             "chữ từ Word, PDF hoặc tin nhắn); nếu trình soạn thảo không hiện ra, xoá rồi gõ lại vài "
             "chữ quanh chỗ đó.")


# PyYAML's and libyaml's problems, in the officer's words (matched on context + problem).
_SYNTAX_PROBLEMS = [
    (r"single document", "tệp bị tách làm nhiều phần bởi một dòng '---' hoặc '...'"),
    (r"duplicate anchor", "một tên tham chiếu sau '&' được đặt hai lần"),
    (r"undefined alias", "dấu '*' tham chiếu tới một tên chưa đặt bằng '&'"),
    (r"tab character|character '\\t'", "có ký tự Tab ở chỗ thụt lề"),
    (r"quoted scalar.*end of stream", "dấu ngoặc kép (hoặc ngoặc đơn) mở mà không đóng"),
    (r"escape", "trong ngoặc kép có dấu '\\' đứng trước một ký tự không được phép"),
    (r"flow sequence", "danh sách trong [ ] thiếu dấu ',' hoặc dấu ']' đóng"),
    (r"flow mapping", "nhóm trong { } thiếu dấu ',' hoặc dấu '}' đóng"),
    (r"mapping values are not allowed", "dấu ':' ở chỗ không được phép (thụt lề sai, hoặc nội dung có "
                                        "dấu ':' mà không đặt trong ngoặc kép)"),
    (r"expected ':'", "thiếu dấu ':' sau tên trường"),
    (r"mapping keys are not allowed", "dấu '? ' ở chỗ không được phép"),
    (r"block sequence entries are not allowed", "dấu '- ' ở chỗ không bắt đầu được một danh sách"),
    (r"block scalar", "sau dấu '|' hoặc '>' phải xuống dòng"),
    (r"anchor|alias", "sau '&' hoặc '*' phải là một tên bằng chữ và số"),
    (r"directive|tag", "dấu '%' đầu dòng hoặc dấu '!' trước giá trị có nghĩa riêng trong YAML"),
    (r"cannot start any token", "giá trị bắt đầu bằng một ký tự không được phép (như @ hoặc `)"),
    (r"block collection|'-' indicator", "các mục của danh sách không thẳng hàng"),
    (r"document start", "các trường ngoài cùng không thẳng hàng"),
    (r"block mapping|expected key|block end", "thụt lề không khớp với các dòng trên, hoặc có chữ thừa "
                                              "sau giá trị trên cùng dòng"),
    (r"node content", "thiếu giá trị ở chỗ cần có"),
]
_CONSTRUCT_PROBLEMS = [
    (r"unhashable key", "tên trường không thể là một danh sách hoặc một nhóm"),
    (r"merg", "'<<' chỉ dùng với tham chiếu tới một nhóm khoá: giá trị"),
    (r"base64", "dữ liệu !!binary không đọc được"),
    (r"constructor for the tag '([^']*)'", "nhãn kiểu '{tag}' không dùng được"),
    (r"", "nội dung không khớp với nhãn kiểu bắt đầu bằng '!' đặt trước nó"),
]
_SYNTAX_HINT = ("kiểm tra thụt lề (dùng dấu cách, không dùng Tab), dấu ':' sau tên trường và dấu "
                "ngoặc kép đóng mở đủ cặp; nội dung có ký tự đặc biệt (: # [ ] { } & * ! | > ' \" % @ `) "
                "thì đặt trong dấu ngoặc kép.")
_TAG_HINT = ("xoá nhãn bắt đầu bằng '!' (hoặc '<<') ở dòng này và viết thẳng giá trị; "
             "nội dung là chữ thì đặt trong dấu ngoặc kép.")


def _syntax_error(path: Path, exc: yaml.YAMLError) -> ConfigError:
    said = f"{getattr(exc, 'context', None) or ''} {getattr(exc, 'problem', None) or ''}"
    constructing = isinstance(exc, yaml.constructor.ConstructorError)
    for pattern, words in _CONSTRUCT_PROBLEMS if constructing else _SYNTAX_PROBLEMS:
        found = re.search(pattern, said)
        if found:
            problem = words.replace("{tag}", found.group(1)) if found.groups() else words
            break
    else:
        problem = "cấu trúc tệp không đúng"
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    context = getattr(exc, "context_mark", None)
    if mark is not None and context is not None and context.line != mark.line:
        problem += f", trong phần bắt đầu ở dòng {context.line + 1}"
    if constructing:
        return ConfigError(path, f"không đọc được giá trị: {problem}.",
                           line=mark.line + 1 if mark else None, hint=_TAG_HINT)
    return ConfigError(path, f"lỗi cú pháp YAML: {problem}.", line=mark.line + 1 if mark else None,
                       hint=_SYNTAX_HINT)


class _Unreadable(yaml.YAMLError):
    """A scalar the parser accepts but that cannot become a value (an impossible date, a
    number of ten thousand digits): said in the officer's words, at its line."""

    def __init__(self, node: yaml.Node, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.problem_mark, self.problem, self.hint = node.start_mark, problem, hint


_DATE_HINT = ("viết một ngày có thật theo dạng NĂM-THÁNG-NGÀY, ví dụ 2027-02-16; nếu đây không "
              "phải một ngày mà là chữ, đặt nó trong dấu ngoặc kép.")
_VALUE_HINT = ("viết lại cho đúng (số chỉ gồm chữ số, true hoặc false), bỏ nhãn bắt đầu bằng '!!'; "
               "nội dung là chữ thì đặt trong dấu ngoặc kép.")


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    """A date or time checked to exist, and kept as the text written: the models take dates
    as YYYY-MM-DD text, so ``holidays: [2027-03-15]`` reads like ``["2027-03-15"]``."""
    try:
        yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, TypeError, AttributeError, OverflowError):
        raise _Unreadable(node, f"ngày '{_shown(node.value)}' không có thật ({_why_no_date(node.value)}).",
                          _DATE_HINT) from None
    return node.value


def _why_no_date(text: str) -> str:
    match = yaml.constructor.SafeConstructor.timestamp_regexp.match(text)
    if match is None:
        return "không viết theo dạng NĂM-THÁNG-NGÀY"
    part = {key: int(value) for key, value in match.groupdict().items()
            if value and value.isdigit() and key != "fraction"}
    problem = date_problem(part["year"], part["month"], part["day"])
    if problem:
        return problem
    for key, words, top in (("hour", "giờ", 23), ("minute", "phút", 59), ("second", "giây", 59)):
        if part.get(key, 0) > top:
            return f"{words} phải từ 0 đến {top}"
    return "độ lệch múi giờ quá lớn"


_TYPE_WORDS = {
    "tag:yaml.org,2002:int": "không phải một số nguyên",
    "tag:yaml.org,2002:float": "không phải một số",
    "tag:yaml.org,2002:bool": "không phải true hoặc false",
}


def _unreadable_scalar(node: yaml.ScalarNode) -> _Unreadable:
    value = str(node.value)
    if node.tag == "tag:yaml.org,2002:int" and re.fullmatch(r"[-+]?[0-9_]+", value):
        return _Unreadable(node, f"số {_shown(value)} quá lớn ({len(value)} chữ số) nên không phải một "
                                 "số nguyên dùng được.", _VALUE_HINT)
    words = _TYPE_WORDS.get(node.tag, f"không đọc được theo kiểu {node.tag}")
    return _Unreadable(node, f"'{_shown(value)}' {words}.", _VALUE_HINT)


def _shown(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


class _ValuesChecked:
    """Both loaders: a scalar whose conversion fails is named with its line, never a traceback."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)  # type: ignore[misc]
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            if not isinstance(node, yaml.ScalarNode):
                raise
            raise _unreadable_scalar(node) from None


class _PyLoader(_ValuesChecked, yaml.SafeLoader):
    pass


_CLoader: type | None = None
if getattr(yaml, "__with_libyaml__", False):
    class _CLoader(_ValuesChecked, yaml.CSafeLoader):  # type: ignore[no-redef]
        pass
for _loader in (_PyLoader, _CLoader):
    if _loader is not None:
        _loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _loader_for(text: str) -> type:
    """libyaml's parser (ten times faster: `radio status` reads the station and the scripts)
    when the text cannot nest deeper than its recursive composer safely goes; otherwise the
    pure-Python one, whose depth errors are caught. Nesting needs a new indent, a '- ', ': '
    or '? ' on the same line, or a bracket, so this bound is never below the real depth."""
    if _CLoader is None:
        return _PyLoader
    brackets = text.count("[") + text.count("{")
    per_line = max((len(line) - len(line.lstrip(" ")) + line.count("- ") + line.count(": ")
                    + line.count("? ") for line in text.splitlines()), default=0)
    if brackets + per_line > _C_PARSER_MAX_DEPTH:
        return _PyLoader
    return _CLoader


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
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or mapping as a key: refused when the mapping is built
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
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
    text = _ERROR_TEXT.get(kind, _UNLISTED_ERROR)
    if kind == "value_error":
        text = str(error.get("ctx", {}).get("error", text))
    if kind == "literal_error" and "expected" in error.get("ctx", {}):
        text += f"; chọn một trong: {_choices(str(error['ctx']['expected']))}"
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
