"""The error analysis in the report: sentences from made-up counts, confusion cells that link to galleries,
galleries placed in the appendix and kept out of print."""

from __future__ import annotations

from types import SimpleNamespace

from netviz.document.appendix import appendix_parts, body_figures
from netviz.document.confusion import build_confusion
from netviz.document.mistakes import head_sentence, mistakes, placement_sentence
from netviz.results import ErrorPair, HeadErrors, Placement, gallery_id

from . import Fig


def errors(count: int, pairs: list[tuple[str, str, int]], placement: Placement | None = None) -> HeadErrors:
    return HeadErrors(errors=count, images=400, pairs=[ErrorPair(true=t, predicted=p, count=c, shown=min(c, 24))
                                                       for t, p, c in pairs],
                      placement={"gradcam": placement} if placement else {})


def model(title: str, heads: dict[str, HeadErrors]):
    return SimpleNamespace(title=title, errors=heads,
                           explanations=[SimpleNamespace(method="gradcam", label="Grad-CAM")])


def test_the_most_frequent_mistake_with_its_share_of_the_errors():
    m = model("seq_mnist", {"class": errors(43, [("4", "9", 7), ("3", "5", 2)])})
    assert head_sentence(m, "class", m.errors["class"]) == \
        "The most frequent mistake of seq_mnist: 4 read as 9, 7 of its 43 errors on 400 test images."


def test_where_the_maps_sit_on_mistakes_against_right_answers():
    spread = Placement(mistakes=21, right=150, spread_mistakes=0.10, spread_right=0.14)
    assert placement_sentence("Grad-CAM", spread) == ("Grad-CAM's maps are narrower on the 21 mistakes shown: half "
                                                      "of a map's mass lies on 10% of the pixels, against 14% on 150 "
                                                      "right answers")
    on_object = Placement(mistakes=5, right=9, spread_mistakes=0.2, spread_right=0.1, mask_mistakes=0.25,
                          mask_right=0.6)
    assert placement_sentence("Grad-CAM", on_object).startswith("Grad-CAM puts 25% of its map on the object on the 5")
    assert placement_sentence("Grad-CAM", Placement(mistakes=0, right=9, spread_right=0.1)) is None


def test_the_head_with_the_most_errors_ranks_first_and_a_head_without_errors_says_nothing():
    m = model("Four-head", {"length": errors(2, [("short", "long", 2)]), "angle": errors(30, [("15", "30", 9)]),
                            "width": errors(0, [])})
    ranked = mistakes([m])
    assert [r for r, _ in ranked] == [1, 3]
    assert ranked[0][1].startswith("The most frequent mistake of Four-head (head angle): 15 read as 30, 9 of its 30")
    perfect = model("Perfect", {"a": errors(0, []), "b": errors(0, [])})
    assert mistakes([perfect]) == [(3, "Perfect gets all 400 test images right on every one of its 2 heads.")]


def test_off_diagonal_cells_with_a_gallery_link_to_it():
    matrix = [[5, 2, 0], [0, 4, 1], [0, 0, 3]]
    ids = {("a", "b"): gallery_id("m", "class", "a", "b")}
    c = build_confusion(matrix, ["a", "b", "c"], ids)
    assert c.rows[0][1].gallery == "errors-m-class-a-b"
    assert c.rows[1][2].gallery is None  # no gallery drawn for it
    assert c.rows[0][0].gallery is None and c.rows[0][2].gallery is None  # the diagonal and an empty cell


def test_gallery_ids_are_sanitized():
    assert gallery_id("seq line", "class", "15 px, 3 px, 165°, blue", "4") == \
        "errors-seq-line-class-15-px--3-px--165---blue-4"  # each of ", °" one dash


def test_the_body_keeps_the_first_gallery_and_the_appendix_the_rest_and_the_pairs():
    figures = {"errors": [Fig("errors", "mistakes", "angle", anchor="errors-m-angle-mistakes"), Fig("errors", "unsure", "angle"),
                          Fig("errors", "mistakes", "length", anchor="errors-m-length-mistakes")],
               "gallery": [Fig("gallery", head="angle")], "exemplars": [Fig("exemplars", "conv2d")],
               "filters": [Fig("filters", "conv2d")]}
    assert body_figures(figures)["errors"] == figures["errors"][:1]
    assert body_figures(figures)["gallery"] == [] and body_figures(figures)["exemplars"] == []
    m = SimpleNamespace(name="m", title="M", figures=figures, outputs=[])
    groups = {g.id: g for g in appendix_parts([m])[0].groups}
    assert groups["app-m-errors"].figures == figures["errors"][1:]
    assert list(groups["app-m-errors"].galleries) == figures["gallery"]
    assert groups["app-m-filters"].figures == figures["exemplars"]
    assert body_figures({"errors": [Fig("errors", "unsure", "angle")]})["errors"] == []  # no mistakes: none in the body
    assert groups["app-m-errors"].pair_links == ()  # a model without error records lists no pairs
    m.errors = {"class": errors(9, [("4", "9", 7), ("3", "5", 2)])}
    assert appendix_parts([m])[0].ref("errors").pair_links == (
        ("errors-m-class-4-9", "class: 4 → 9 (7)"), ("errors-m-class-3-5", "class: 3 → 5 (2)"))


def test_every_gallery_link_in_the_html_has_its_gallery_and_the_pdf_hides_them(tmp_path):
    import re

    from netviz.document import build_html

    from . import make_build, make_spec

    results, spec_path = make_build(tmp_path)
    html = build_html(make_spec(), spec_path, results, tmp_path)
    links = re.findall(r'<a href="#(errors-[^"]+)" data-gallery>', html)
    ids = re.findall(r'<figure class="gallery html-only" id="([^"]+)">', html)
    assert links and set(links) <= set(ids) and len(ids) == len(set(ids))
    pairs = [(name, head, p) for name, m in results.models.items() for head, e in m.visualization.errors.items()
             for p in e.pairs if p.shown]
    assert len(ids) == len(pairs)  # one gallery per confused pair that shows images, in the HTML only
    assert "Figure" not in html.split(f'id="{ids[0]}"')[1].split("</figure>")[0]  # unnumbered
    print_css = html.split('<style media="print">')[1].split("</style>")[0]
    assert ".html-only { display: none; }" in print_css
