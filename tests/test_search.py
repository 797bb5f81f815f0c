"""Full-text search: folding, snippets, the index following every change, and no stored text."""

from dossier.records.clients import add_client, edit_client
from dossier.records.search import search, snippet
from dossier.records.sessions import add_session


def test_accents_and_case_fold_both_ways(vault):
    add_client(vault, {"first_name": "Noëlle", "last_name": "Dijkstra", "city": "Zoeterwoude"})
    assert [h["first_name"] for h in search(vault.db, "NOELLE")] == ["Noëlle"]
    assert [h["first_name"] for h in search(vault.db, "noëlle dijk")] == ["Noëlle"]  # last word is a prefix
    assert search(vault.db, "noelle amsterdam") == []  # every word must occur


def test_snippet_marks_the_matches_in_the_original_text():
    text = "Eerste zin. " * 20 + "Noëlle sliep slecht; NOËLLE's partner ook."
    s = snippet(text, ["noelle"])
    assert "\x02Noëlle\x03 sliep" in s and "\x02NOËLLE\x03's" in s
    assert s.startswith("… ")
    assert snippet("Straße und Fluß", ["strasse"]).startswith("\x02Straße\x03")


def test_the_index_follows_edits_and_removed_persons(vault):
    cid = add_client(vault, {"first_name": "Sem", "last_name": "de Vries", "city": "Amersfoort"},
                     persons=[{"name": "Karin Mulder", "relation": "leidinggevende"}])
    sid = add_session(vault, cid, "2026-11-02", 60, "Gesprek over de reorganisatie", "Herstel gaat traag")
    assert {h["kind"] for h in search(vault.db, "mulder")} == {"client"}
    assert [(h["kind"], h["id"], h["date"]) for h in search(vault.db, "traag")] == [("session", sid, "2026-11-02")]
    edit_client(vault, cid, {"city": "Deventer"}, remove_persons=["Karin Mulder"])
    assert search(vault.db, "amersfoort") == [] and search(vault.db, "mulder") == []
    assert [h["id"] for h in search(vault.db, "deventer")] == [cid]


def test_the_index_stores_no_text(vault_path):
    from conftest import make_vault

    v, _ = make_vault(vault_path, test_unencrypted=True)
    add_client(v, {"first_name": "Zoë", "last_name": "Rijkaart", "background": "Uniekwoord in de achtergrond"})
    assert v.db.all("SELECT body FROM search_index") == [(None,)]  # contentless: only the index
    assert [h["last_name"] for h in search(v.db, "uniekwoord")] == ["Rijkaart"]
    v.close()
