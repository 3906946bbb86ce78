"""A station's working folder: create it, and start each month's brief from the year plan."""
from __future__ import annotations

import re
from pathlib import Path

from radio.errors import OutputError
from radio.fileio import write_text
from radio.library import load_procedure, load_topic
from radio.models import MONTH_PATTERN
from radio.plan import load_or_propose
from radio.station import read_station_file, sample_station_dir

FOLDER_GUIDE = """Thư mục làm việc của đài truyền thanh xã
=========================================

station.yaml         hồ sơ của đài: tên xã, đường dây nóng, giờ làm việc, giờ phát, giọng đọc
months/              nội dung từng tháng (NĂM-THÁNG.yaml): chủ đề, tin tức, hỏi – đáp...
months/vi-du.yaml    một tệp nội dung tháng mẫu đầy đủ để tham khảo
plans/NĂM.yaml       kế hoạch chủ đề cả năm (lệnh: radio plan NĂM)
scripts/             kịch bản đã soạn (lệnh: radio compose NĂM-THÁNG), có thể sửa trước khi duyệt
audio_out/           chương trình đã sản xuất (lệnh: radio produce NĂM-THÁNG)
plan.yaml            (tuỳ chọn) danh mục nội dung của kế hoạch năm của địa phương, thay danh mục có sẵn
lexicon.yaml         (tuỳ chọn) cách đọc chữ viết tắt, tên riêng của địa phương
templates/           (tuỳ chọn) mẫu đoạn, chủ đề, thủ tục riêng của đài, cùng tên sẽ thay mẫu có sẵn

Các lệnh chạy trong thư mục này, ví dụ:
  radio plan 2027
  radio new-month 2027-01
  radio compose 2027-01
  radio produce 2027-01
"""


BRIEF_TEMPLATE = """# Nội dung tháng {month} — điền nội dung riêng của tháng rồi chạy: radio compose {month}
# Chủ đề và thủ tục được đề xuất theo kế hoạch năm (plans/{year}.yaml); có thể đổi.
# Chương trình tháng này sẽ phát (theo lịch phát của đài): {airing_dates}.
# Tin tức và số liệu phải đúng đến trước buổi phát đầu tiên; đừng ghi ngày sau ngày phát.
month: {month}
topic: {topic}          # {topic_title}
procedure: {procedure}  # {procedure_title}
# Chủ đề có thể đổi mà vẫn đủ nội dung của kế hoạch năm: {alternatives}

# Tin tức cải cách hành chính trong tháng (nên có 2–3 tin, mỗi tin vài câu).
# Ví dụ:
#   - title: Kết quả giải quyết thủ tục hành chính tháng 11
#     text: |
#       Trong tháng 11, Trung tâm Phục vụ hành chính công xã tiếp nhận 412 hồ sơ, trong đó
#       268 hồ sơ nộp trực tuyến, đạt 65%; 409 hồ sơ được trả đúng hạn, đạt 99,3%.
news:
  - title: Tiêu đề tin thứ nhất
    text: |
      Nội dung tin: số hồ sơ đã tiếp nhận, tỷ lệ nộp trực tuyến, việc mới của xã...

# Số liệu của tháng (tuỳ chọn), để dẫn trong tin: số hồ sơ tiếp nhận, tỷ lệ nộp trực tuyến,
# tỷ lệ trả đúng hạn. Ví dụ:
#   ho_so: 412
#   truc_tuyen: "65%"
#   dung_han: "99,3%"
figures: {{}}

# Câu hỏi của người dân và câu trả lời (hỏi – đáp).
# Chỉ nêu tên người hỏi khi họ đã đồng ý được nêu tên trên loa; nếu không, ghi chung,
# ví dụ "một bạn nghe ở thôn Đông". Ví dụ:
#   - asked_by: một bạn nghe ở thôn Đông
#     question: |
#       Làm lại giấy khai sinh bị mất thì làm ở đâu?
#     answer: |
#       Bà con đến Trung tâm Phục vụ hành chính công của xã nơi đã đăng ký khai sinh để
#       xin cấp bản sao trích lục khai sinh; có thể nộp trực tuyến.
qa:
  - asked_by: ông/bà ..., thôn ...
    question: |
      Câu hỏi của người dân.
    answer: |
      Câu trả lời ngắn gọn, dễ hiểu.

# Gương điển hình (tuỳ chọn; xoá cả mục nếu tháng này không có). Nêu tên người thật
# khi họ đã đồng ý. Ví dụ: "Tổ công nghệ số thôn Bắc giúp 200 người kích hoạt VNeID".
model_story:
  title: Tên người hoặc mô hình
  text: |
    Câu chuyện về cách làm hay.

# Nhắc nhở thêm trong đoạn thông báo (tuỳ chọn). Ví dụ:
#   - Cuối năm đông người; bà con nên nộp hồ sơ trực tuyến để không phải chờ lâu.
reminders: []

# Đoạn thêm (tuỳ chọn), ví dụ thông báo riêng của xã:
# extra_segments:
#   - title: Thông báo về ...
#     text: |
#       Nội dung.
#     voice: nu2
"""


def init_station(folder: Path) -> list[Path]:
    """Create a working folder from the sample station; never overwrite an existing one."""
    if (folder / "station.yaml").exists():
        raise OutputError(f"Thư mục {folder} đã có station.yaml; không ghi đè.",
                          hint="chọn một thư mục mới hoặc sửa trực tiếp tệp đang có.")
    (folder / "months").mkdir(parents=True, exist_ok=True)
    created = [folder / "station.yaml", folder / "months" / "vi-du.yaml", folder / "HUONG-DAN.txt"]
    write_text(created[0], blank_station_file(_slug(folder.name)))
    write_text(created[1], BRIEF_TEMPLATE.format(
        month="2027-01", year=2027, topic="dich-vu-cong-truc-tuyen",
        topic_title="Dịch vụ công trực tuyến và Cổng Dịch vụ công quốc gia", procedure="dang-ky-khai-sinh",
        procedure_title="Đăng ký khai sinh", airing_dates="theo lịch phát trong station.yaml",
        alternatives="xem plans/2027.yaml sau khi chạy radio plan 2027"))
    write_text(created[2], FOLDER_GUIDE)
    for sub in ("plans", "scripts"):
        (folder / sub).mkdir(exist_ok=True)
    return created


# The sample's identity lines, and what a new station writes there instead: the rest of the
# sample profile (slots, rule, voices, audio) is a sound start for any commune.
_IDENTITY = {
    "id": "{slug}",
    "name": '"[ĐIỀN tên đài, ví dụ: Đài Truyền thanh xã Quảng Phú]"',
    "commune": '"[ĐIỀN tên xã, ví dụ: xã Quảng Phú]"',
    "province": '"[ĐIỀN tên tỉnh, ví dụ: tỉnh Thanh Hóa]"',
    "hotline": '"[ĐIỀN số đường dây nóng của xã]"',
    "email": None, "website": None,
    "  place": '"[ĐIỀN nơi tiếp nhận hồ sơ, ví dụ: Trung tâm Phục vụ hành chính công xã Quảng Phú]"',
    "  address": '"[ĐIỀN địa chỉ]"',
    "  name": '"[ĐIỀN họ tên]"',
}


def blank_station_file(slug: str) -> str:
    """The sample station.yaml with every line that names the sample commune blanked: a
    new station never starts with another commune's hotline, names or e-mail."""
    out, in_hours = [], False
    for line in (sample_station_dir() / "station.yaml").read_text(encoding="utf-8").splitlines():
        key = line.split(":", 1)[0]
        if line.startswith("sample:"):
            continue
        if line.startswith("# Hồ sơ đài"):
            line = "# Hồ sơ đài — điền mọi chỗ [ĐIỀN …] cho đúng với đài của xã mình trước khi soạn chương trình."
        elif in_hours and line.startswith("    - "):
            if not out[-1].startswith("    - "):
                out.append('    - "[ĐIỀN giờ làm việc, ví dụ: từ thứ Hai đến thứ Sáu, sáng từ 7h30 đến 11h30, '
                           'chiều từ 13h30 đến 17h]"')
            continue
        elif key in _IDENTITY:
            value = _IDENTITY[key]
            if value is None:
                continue
            line = f"{key}: {value.format(slug=slug)}"
        elif key == "  title":
            line = '  title: "[ĐIỀN chức vụ]"'
        in_hours = key == "  hours" or (in_hours and line.startswith("    - "))
        out.append(line)
    return "\n".join(out) + "\n"


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug if re.fullmatch(r"[a-z0-9][a-z0-9-]{1,40}", slug or "") else "dai-xa"


def _airing_dates(station_dir: Path, month: str) -> str:
    from radio.schedule import rule_dates

    station_file = station_dir / "station.yaml"
    if not station_file.exists():
        return "chưa rõ (chưa có station.yaml)"
    dates = rule_dates(read_station_file(station_file), month)
    return ", ".join(f"{at:%H:%M} ngày {at:%d/%m/%Y}" for at in dates) or "chưa xếp được ngày nào"


def new_month(station_dir: Path, month: str) -> Path:
    if not re.match(MONTH_PATTERN, month):
        raise OutputError(f"Tháng '{month}' không đúng dạng NĂM-THÁNG.", hint="ví dụ: 2027-01.")
    path = station_dir / "months" / f"{month}.yaml"
    if path.exists():
        raise OutputError(f"Đã có bản tin {path}; không ghi đè.",
                          hint="sửa trực tiếp tệp này, hoặc xoá nó nếu muốn tạo lại.")
    year = int(month[:4])
    planned = load_or_propose(station_dir, year).for_month(month)
    topic = load_topic(planned.topic, station_dir, station_dir / "plans" / f"{year}.yaml")
    procedure = load_procedure(planned.procedure, station_dir, station_dir / "plans" / f"{year}.yaml")
    write_text(path, BRIEF_TEMPLATE.format(
        month=month, year=year, topic=topic.id, topic_title=topic.title, procedure=procedure.id,
        procedure_title=procedure.title, airing_dates=_airing_dates(station_dir, month),
        alternatives=", ".join(planned.alternatives) or "không có"))
    return path
