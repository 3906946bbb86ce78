"""The studio speaks as the studio: no page, message or refusal tells anyone to type a
command or a flag; where the command line would say '--fit' or '--allow-length', the page
offers the button that does it."""
import html
import re

import pytest
from starlette.routing import Route

from radio.bulletin import new_bulletin
from radio.config import load_model, save_model
from radio.models import Script, Station
from radio.station import MonthFiles
from radio.studio.accounts import add_account
from tests.fixtures import MONTH, PASSWORD, make_studio

COMMAND_WORDING = re.compile(r"(?<![\w-])--[a-z]|\bradio [a-z]|extra_segments|\bchạy:")
FRESH = "2027-03"  # a month nobody has begun


@pytest.fixture
def studio(tmp_path):
    return make_studio(tmp_path, produced=True)


def visible(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def get_pages(app) -> list[str]:
    values = {"station": "an-lac", "month": MONTH}
    paths = []
    for route in app.routes:
        if isinstance(route, Route) and "GET" in (route.methods or ()) and set(route.param_convertors) <= set(values):
            paths.append(route.path.format(**{name: values[name] for name in route.param_convertors}))
    return paths


def too_long(studio) -> None:
    """The station asks for 30–40 minutes, which the sample month cannot fill."""
    path = studio.folders["an-lac"] / "station.yaml"
    station = load_model(path, Station)
    save_model(path, station.model_copy(update={"programme": station.programme.model_copy(
        update={"min_minutes": 30, "max_minutes": 40})}))


def test_no_page_tells_any_role_to_type_a_command(studio):
    folder = studio.folders["an-lac"]
    add_account(folder, "quan-tri", "Phạm Văn Quản", "Quản trị viên", "admin", PASSWORD)
    waiting = new_bulletin(folder, level="uu-tien", text="Thông báo họp dân tối nay lúc 19 giờ.", issued_by="Lan")
    pages = [*get_pages(studio.client.app), f"/s/an-lac/m/{FRESH}", f"/s/an-lac/m/{FRESH}/review",
             f"/s/an-lac/m/{FRESH}/script", f"/s/an-lac/log?month={MONTH}",
             f"/s/an-lac/bulletins/{waiting.files.id}", f"/s/an-lac/log?aired_in={MONTH}",
             "/s/an-lac/voices?a=offline:vi-ro-nu&b=offline:vi-ro-nam"]
    assert len(pages) >= 16 and "/s/an-lac/bulletins" in pages
    for username in ("lan", "binh", "hung", "quan-tri"):
        studio.login(username)
        for path in pages:
            answer = studio.client.get(path)
            if not answer.headers["content-type"].startswith("text/html"):
                continue
            text = visible(answer.text)
            assert not COMMAND_WORDING.search(text), (username, path, COMMAND_WORDING.search(text).group(0),
                                                      text[max(0, COMMAND_WORDING.search(text).start() - 80):][:200])
    studio.login("lan")
    state = visible(studio.client.get(f"/s/an-lac/m/{FRESH}").text)
    assert "Chưa soạn kịch bản." in state


def test_a_length_refusal_offers_the_buttons_and_keeping_the_length_writes_the_script(studio):
    too_long(studio)
    folder = studio.folders["an-lac"]
    script = MonthFiles(folder, "an-lac", MONTH).script
    before = script.read_bytes()
    studio.login("lan")
    token = studio.token(f"/s/an-lac/m/{MONTH}")
    # The fixture's script was cut by hand, so this is a new draft beside it.
    refused = studio.client.post(f"/s/an-lac/m/{MONTH}/compose", data={"csrf": token, "new_draft": "1"})
    assert refused.status_code == 409 and "Kịch bản chưa được ghi" in refused.text
    assert not COMMAND_WORDING.search(visible(refused.text))
    assert 'id="compose-fit"' in refused.text and 'id="compose-allow-length"' in refused.text
    assert 'id="edit-brief"' in refused.text and script.read_bytes() == before
    assert refused.text.count('name="new_draft" value="1"') == 2  # both choices keep the new-draft choice
    kept = studio.client.post(f"/s/an-lac/m/{MONTH}/compose", data={"csrf": token, "allow_length": "1",
                                                                     "new_draft": "1"})
    assert kept.status_code == 200 and "Đã soạn kịch bản" in kept.text, visible(kept.text)[:500]
    assert len(load_model(script, Script).segments) > 2  # the whole month, composed again


def test_messages_written_for_the_command_line_are_said_as_studio_actions():
    from radio.studio.forms import studio_words

    said = studio_words("Kịch bản ước tính dài 8,2 phút. Kịch bản chưa được ghi.\n→ Cách xử lý: thêm tin, câu hỏi – "
                        "đáp hoặc đoạn thêm (extra_segments) vào bản tin; hoặc chạy lại với --fit để phần mềm tự "
                        "điều chỉnh, hoặc --allow-length để vẫn ghi kịch bản này.")
    assert "bấm «Tự điều chỉnh cho vừa»" in said and "«Vẫn ghi kịch bản này»" in said
    assert studio_words("chạy 'radio compose 2027-01' trước.") == "bấm «Soạn kịch bản» ở trang của tháng trước."
    assert studio_words("Chưa soạn kịch bản (radio compose).") == "Chưa soạn kịch bản."
    for text in (said, studio_words("rồi chạy 'radio approve 2027-01 --by \"HỌ TÊN\" --role \"CHỨC VỤ\"'."),
                 studio_words("tạo bản tin bằng 'radio new-month 2027-01' (điền sẵn chủ đề)")):
        assert not COMMAND_WORDING.search(text), text


def test_what_fitting_changed_is_said_in_a_sentence_of_its_own(studio):
    from radio.pipeline import compose_month

    folder = studio.folders["an-lac"]
    full = compose_month(folder, MONTH, allow_length=True, new_draft=True)[0].estimated_s
    path = folder / "station.yaml"
    station = load_model(path, Station)
    save_model(path, station.model_copy(update={"programme": station.programme.model_copy(
        update={"min_minutes": 1, "max_minutes": (full - 20) / 60})}))  # a little too long
    studio.login("lan")
    token = studio.token(f"/s/an-lac/m/{MONTH}")
    fitted = studio.client.post(f"/s/an-lac/m/{MONTH}/compose", data={"csrf": token, "fit": "1", "new_draft": "1"})
    flash = re.search(r'role="status">(.*?)</div>', fitted.text, re.S).group(1)
    assert "Để vừa thời lượng, phần mềm đã bỏ" in html.unescape(flash), flash
    sentences = re.split(r"(?<=[.!?])\s+", html.unescape(flash).strip())
    assert all(s[:1].isupper() for s in sentences), sentences
