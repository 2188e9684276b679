"""Document fragments display themselves; `show` gives the outputs `display(HTML(...))` gave."""

import IPython.display
import jinja2
from markupsafe import Markup, escape

from ohti.documents.display import Html, show


def test_a_fragment_is_a_string_that_displays_itself_as_html():
    fragment = Html("<h2>Yhteenveto &amp; avainluvut</h2>")
    assert fragment == "<h2>Yhteenveto &amp; avainluvut</h2>" and isinstance(fragment, str)
    assert fragment._repr_html_() == fragment.__html__() == str(fragment)
    assert type(fragment._repr_html_()) is str


def test_templates_take_a_fragment_as_markup_and_escape_a_plain_string():
    template = jinja2.Environment(autoescape=True).from_string("<main>{{ body }}</main>")
    assert template.render(body=Html("<p>10,8</p>")) == "<main><p>10,8</p></main>"
    assert template.render(body="<p>10,8</p>") == "<main>&lt;p&gt;10,8&lt;/p&gt;</main>"
    assert escape(Html("<b>a</b>")) == Markup("<b>a</b>")


def test_show_displays_the_parts_as_one_html_output_in_order(monkeypatch):
    # one output: a heading shares its output area with what follows it, so that the PDF's page
    # breaks keep them together
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objects: shown.extend(objects))
    assert show(Html("<h2>a</h2>"), "<p>b</p>", "") is None
    assert [type(o) for o in shown] == [IPython.display.HTML]
    assert [o.data for o in shown] == ["<h2>a</h2><p>b</p>"]
    assert type(shown[0].data) is str
    assert repr(shown[0]) == "<IPython.core.display.HTML object>"  # the text/plain of the output, as before
