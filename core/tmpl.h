/* tmpl.h - the subset of Go's text/template that `--format` uses, and
 * Docker's table layout (text/tabwriter)
 * See https://docs.docker.com/engine/cli/formatting/
 *
 * Actions over a JSON value ("dot"):
 *   {{.A.B}}  {{.}}  {{json .A}}  {{index .A "key"}}  {{join .A ", "}}
 *   {{upper .A}}  {{lower .A}}  {{len .A}}  {{println}}
 *   {{range .A}}...{{end}}  {{if .A}}...{{else}}...{{end}}
 * Values print as Go prints them: strings bare, arrays "[a b]", objects
 * "map[k:v]", null "<nil>", a missing key "<no value>". */
#ifndef OCIBOX_TMPL_H
#define OCIBOX_TMPL_H

#include "core/json.h"
#include "core/util.h"

/* Render t with dot into out. -1 with "template: ..." on a parse error. */
int tmpl_render(const char *t, const cJSON *dot, struct buf *out);

/* Align tab-separated cells into columns as Docker's tables do (tabwriter:
 * minimum width 10, padding 3); the last cell of a line is not padded. */
void tab_print(const char *text, FILE *f);

#endif
