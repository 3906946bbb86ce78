"""Installing Piper voices a station can actually get: a pinned list, resumable downloads,
checksums, and a plain message when the machine is offline.

Each file is downloaded to ``voices/.NAME.part`` beside its final place; an interrupted
download resumes from where it stopped (HTTP Range) and the finished file is checked
against its sha256 before it is renamed into place, so a half or wrong file never sits
where the engine would load it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlparse

from pydantic import Field, ValidationError

from radio.config import load_model, parse_packaged
from radio.errors import ConfigError, SpeechError
from radio.fileio import sha256_file
from radio.models import Model
from radio.progress import Progress, Silent

STAGE = "Tải giọng đọc"
_CHUNK = 1 << 14  # what a cut connection can lose at most
_ATTEMPTS = 4  # a cut connection is resumed this many times before giving up


class CatalogFile(Model):
    url: str
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class CatalogVoice(Model):
    description: str
    files: list[CatalogFile] = Field(min_length=2, max_length=2)  # model, then its .onnx.json


class Catalog(Model):
    voices: dict[str, CatalogVoice]


@dataclass(frozen=True)
class Installed:
    name: str
    model: Path
    config: Path
    sha256: dict[str, str]  # file name → digest, so an unpinned entry can be pinned

    def station_yaml(self, station_dir: Path) -> str:
        """The lines that make the voice usable, for the officer to paste into station.yaml."""
        relative = self.model.relative_to(station_dir) if self.model.is_relative_to(station_dir) else self.model
        return (f"speech:\n  piper:\n    voices:\n      {self.name}: {{model: {relative.as_posix()}}}")


def load_catalog(path: Path | None = None) -> Catalog:
    if path is not None:
        return load_model(path, Catalog)
    text = resources.files("radio.speech").joinpath("piper_voices.yaml").read_text(encoding="utf-8")
    try:
        return Catalog.model_validate(parse_packaged(text, "radio/speech/piper_voices.yaml"))
    except ValidationError as exc:  # a packaging mistake, not the officer's
        raise ConfigError("radio/speech/piper_voices.yaml", f"danh sách giọng hỏng ({exc}).") from None


def install(name: str, station_dir: Path, *, catalog: Catalog | None = None,
            progress: Progress | None = None) -> Installed:
    catalog = catalog or load_catalog()
    voice = catalog.voices.get(name)
    if voice is None:
        raise SpeechError(f"Không có giọng '{name}' trong danh sách giọng tải được.",
                          hint=f"chọn một trong: {', '.join(sorted(catalog.voices))}.")
    folder = station_dir / "voices"
    folder.mkdir(parents=True, exist_ok=True)
    digests: dict[str, str] = {}
    paths = []
    for entry in voice.files:
        target = folder / _file_name(entry.url)
        digests[target.name] = _fetch(entry, target, progress or Silent())
        paths.append(target)
    return Installed(name, paths[0], paths[1], digests)


def _file_name(url: str) -> str:
    return unquote(Path(urlparse(url).path).name)


def _fetch(entry: CatalogFile, target: Path, progress: Progress) -> str:
    import requests

    part = target.with_name(f".{target.name}.part")
    declared = entry.sha256
    for attempt in range(_ATTEMPTS):
        have = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            with requests.get(entry.url, headers=headers, stream=True, timeout=30) as response:
                if response.status_code == 416:  # the part is already whole
                    break
                if response.status_code not in (200, 206):
                    raise SpeechError(f"Máy chủ trả lời {response.status_code} khi tải {entry.url}.",
                                      hint="kiểm tra lại tên giọng hoặc thử lại sau.")
                declared = declared or _declared_sha256(response.headers)
                resumed = response.status_code == 206
                total = int(response.headers.get("Content-Length", 0)) + (have if resumed else 0)
                progress.start(STAGE, total)
                progress.advance(STAGE, have if resumed else 0)
                with open(part, "ab" if resumed else "wb") as out:
                    for chunk in response.iter_content(_CHUNK):
                        out.write(chunk)
                        progress.advance(STAGE, len(chunk))
                if not total or part.stat().st_size >= total:
                    break
        except requests.exceptions.ChunkedEncodingError:
            continue  # cut mid-file: resume from what arrived
        except requests.ConnectionError as exc:
            if attempt == _ATTEMPTS - 1 or not part.exists() or _offline(exc):
                raise _offline_error(entry.url, part) from None
        except requests.Timeout:
            if attempt == _ATTEMPTS - 1:
                raise _offline_error(entry.url, part) from None
        except OSError as exc:
            raise SpeechError(f"Không ghi được {part} ({exc.strerror}).",
                              hint="kiểm tra dung lượng ổ đĩa và quyền ghi thư mục voices/.") from None
    else:
        raise _offline_error(entry.url, part)
    progress.finish(STAGE)
    digest = sha256_file(part)
    if declared and digest != declared:
        part.unlink(missing_ok=True)
        raise SpeechError(f"Tệp {target.name} tải về không đúng mã kiểm tra (sha256 {digest[:12]}…, "
                          f"cần {declared[:12]}…); đã xoá tệp hỏng.",
                          hint="tải lại; nếu vẫn sai, nguồn tải có thể đã bị thay đổi: báo cho người quản trị.")
    os.replace(part, target)
    return digest


def _declared_sha256(headers) -> str | None:
    """HuggingFace names an LFS file's sha256 in X-Linked-Etag."""
    tag = (headers.get("X-Linked-Etag") or "").strip('W/"')
    return tag if len(tag) == 64 and all(c in "0123456789abcdef" for c in tag) else None


def _offline(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(word in text for word in ("name or service not known", "temporary failure in name",
                                         "nodename nor servname", "network is unreachable"))


def _offline_error(url: str, part: Path) -> SpeechError:
    kept = f" Phần đã tải được giữ lại ({part.stat().st_size // 1024} kB) để lần sau tải tiếp." if part.exists() else ""
    host = urlparse(url).netloc
    return SpeechError(f"Không kết nối được tới {host} để tải giọng đọc.{kept}",
                       hint="máy này có thể không có Internet. Chạy lại lệnh khi có mạng, hoặc tải hai tệp "
                            ".onnx và .onnx.json trên máy khác rồi chép vào thư mục voices/ của đài.")
