/*
 * chart.c - SVG charts drawn by the generator, embedded in the report
 * pages (no JavaScript, no external files).
 *
 * Every chart is one <svg role="img"> with a <title>, presentation
 * attributes only (the pages' Content-Security-Policy allows no inline
 * style), and a <title> on each bar or point so a pointer shows its value.
 * Labels passed in are our own (dates, fixed words); they are escaped
 * anyway.  Output depends only on the arguments, byte for byte.
 */
#include "gen/gen.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define W 720
#define H 220
#define ML 44
#define MR 12
#define MT 26
#define MB 30

static void esc(Buf *out, const char *s)
{
	buf_html_escape(out, s, strlen(s));
}

/* The y axis's top: four grid steps of 1, 2 or 5 times a power of ten,
 * so every grid line has a whole, round label. */
static int64_t nice_max(int64_t v)
{
	int64_t need = v <= 4 ? 1 : (v + 3) / 4, p = 1;
	for (;;) {
		if (need <= p)
			return 4 * p;
		if (need <= 2 * p)
			return 8 * p;
		if (need <= 5 * p)
			return 20 * p;
		p *= 10;
	}
}

static void open_svg(Buf *out, const char *id, const char *title, int w, int h)
{
	buf_printf(out, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
			"height=\"%d\" role=\"img\" aria-labelledby=\"%s-t\" font-family=\"sans-serif\" font-size=\"11\">",
		   w, h, w, h, id);
	buf_printf(out, "<title id=\"%s-t\">", id);
	esc(out, title);
	buf_puts(out, "</title>");
}

static void legend(Buf *out, const Series *series, size_t nseries)
{
	double x = ML;
	for (size_t s = 0; s < nseries; s++) {
		buf_printf(out, "<rect x=\"%.0f\" y=\"6\" width=\"10\" height=\"10\" fill=\"%s\"/>", x, series[s].color);
		buf_printf(out, "<text x=\"%.0f\" y=\"15\" fill=\"#1b1f24\">", x + 14);
		esc(out, series[s].label);
		buf_puts(out, "</text>");
		x += 24 + 7.0 * (double)strlen(series[s].label);
	}
}

void chart_bars(Buf *out, const char *id, const char *title, const char *const *xlabels, size_t n,
		const Series *series, size_t nseries, int label_every)
{
	int64_t max = 0;
	for (size_t s = 0; s < nseries; s++)
		for (size_t i = 0; i < n; i++)
			if (series[s].values[i] > max)
				max = series[s].values[i];
	int64_t top = nice_max(max);
	double pw = W - ML - MR, ph = H - MT - MB;
	open_svg(out, id, title, W, H);
	legend(out, series, nseries);
	/* grid and y labels */
	for (int k = 0; k <= 4; k++) {
		double y = MT + ph - ph * k / 4.0;
		buf_printf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"/>", ML, y, W - MR, y,
			   k ? "#e5e8eb" : "#8c959f");
		buf_printf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#57606a\">%lld</text>", ML - 6, y + 4,
			   (long long)(top * k / 4));
	}
	double slot = n ? pw / (double)n : pw;
	double bw = slot * 0.8 / (double)(nseries ? nseries : 1);
	for (size_t s = 0; s < nseries; s++) {
		buf_printf(out, "<g fill=\"%s\">", series[s].color);
		for (size_t i = 0; i < n; i++) {
			int64_t v = series[s].values[i];
			if (v <= 0)
				continue;
			double h = ph * (double)v / (double)top;
			double x = ML + slot * (double)i + slot * 0.1 + bw * (double)s;
			/* (the hot loop of every chart: no printf) */
			buf_puts(out, "<rect x=\"");
			buf_fixed1(out, x);
			buf_puts(out, "\" y=\"");
			buf_fixed1(out, MT + ph - h);
			buf_puts(out, "\" width=\"");
			buf_fixed1(out, bw);
			buf_puts(out, "\" height=\"");
			buf_fixed1(out, h);
			buf_puts(out, "\"><title>");
			esc(out, xlabels[i]);
			buf_puts(out, ": ");
			buf_int(out, v);
			buf_putc(out, ' ');
			esc(out, series[s].label);
			buf_puts(out, "</title></rect>");
		}
		buf_puts(out, "</g>");
	}
	for (size_t i = 0; i < n; i += (size_t)(label_every > 0 ? label_every : 1)) {
		double x = ML + slot * (double)i + slot / 2;
		buf_puts(out, "<text x=\"");
		buf_fixed1(out, x);
		buf_printf(out, "\" y=\"%d\" text-anchor=\"middle\" fill=\"#57606a\">", H - MB + 16);
		esc(out, xlabels[i]);
		buf_puts(out, "</text>");
	}
	buf_puts(out, "</svg>");
}

void chart_line_pct(Buf *out, const char *id, const char *title, const char *const *xlabels, size_t n,
		    const double *values)
{
	double pw = W - ML - MR, ph = H - MT - MB;
	open_svg(out, id, title, W, H);
	Series s = {"share of tasks the classifier got right", "#0a5bd3", NULL};
	legend(out, &s, 1);
	for (int k = 0; k <= 4; k++) {
		double y = MT + ph - ph * k / 4.0;
		buf_printf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"/>", ML, y, W - MR, y,
			   k ? "#e5e8eb" : "#8c959f");
		buf_printf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#57606a\">%d%%</text>", ML - 6, y + 4,
			   k * 25);
	}
	double slot = n ? pw / (double)n : pw;
	/* Runs of consecutive months with data become polylines. */
	size_t i = 0;
	while (i < n) {
		while (i < n && values[i] < 0)
			i++;
		size_t j = i;
		while (j < n && values[j] >= 0)
			j++;
		if (j > i + 1) {
			buf_puts(out, "<polyline fill=\"none\" stroke=\"#0a5bd3\" stroke-width=\"2\" points=\"");
			for (size_t k = i; k < j; k++)
				buf_printf(out, "%s%.1f,%.1f", k > i ? " " : "", ML + slot * (double)k + slot / 2,
					   MT + ph - ph * values[k]);
			buf_puts(out, "\"/>");
		}
		i = j;
	}
	buf_puts(out, "<g fill=\"#0a5bd3\">");
	for (i = 0; i < n; i++) {
		if (values[i] < 0)
			continue;
		buf_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"><title>", ML + slot * (double)i + slot / 2,
			   MT + ph - ph * values[i]);
		esc(out, xlabels[i]);
		buf_printf(out, ": %.1f%%</title></circle>", values[i] * 100.0);
	}
	buf_puts(out, "</g>");
	for (i = 0; i < n; i++) {
		buf_printf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#57606a\">",
			   ML + slot * (double)i + slot / 2, H - MB + 16);
		esc(out, xlabels[i]);
		buf_puts(out, "</text>");
	}
	buf_puts(out, "</svg>");
}

/* Median and p90 per row, drawn in units of the row's target (1× is the
 * target line), capped at 3×. */
void chart_hbars_time(Buf *out, const char *id, const char *title, const char *const *labels, size_t n,
		      const int64_t *median, const int64_t *p90, const int64_t *target)
{
	int rowh = 34, left = 80, right = 240, w = W, h = MT + (int)n * rowh + 26;
	double pw = w - left - right, cap = 3.0;
	open_svg(out, id, title, w, h);
	Series leg[2] = {{"median", "#0a5bd3", NULL}, {"90th percentile", "#9ec5fe", NULL}};
	legend(out, leg, 2);
	for (int k = 0; k <= 3; k++) {
		double x = left + pw * k / cap;
		buf_printf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"%s/>", x, MT, x,
			   MT + (int)n * rowh, k == 1 ? "#b42318" : "#e5e8eb", k == 1 ? " stroke-width=\"2\"" : "");
		buf_printf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%s</text>", x,
			   MT + (int)n * rowh + 14, k == 1 ? "#b42318" : "#57606a",
			   k == 0 ? "0" : k == 1 ? "target" : k == 2 ? "2× target" : "3× target");
	}
	for (size_t i = 0; i < n; i++) {
		double y = MT + (double)i * rowh + 6;
		buf_printf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#1b1f24\">", left - 8, y + 15);
		esc(out, labels[i]);
		buf_puts(out, "</text>");
		char md[32], pd[32], td[32];
		fmt_duration(md, sizeof md, median[i]);
		fmt_duration(pd, sizeof pd, p90[i]);
		fmt_duration(td, sizeof td, target[i]);
		if (median[i] >= 0 && target[i] > 0) {
			double f90 = fmin((double)p90[i] / (double)target[i], cap);
			double fm = fmin((double)median[i] / (double)target[i], cap);
			buf_printf(out, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"20\" fill=\"#9ec5fe\"><title>90th "
					"percentile: %s</title></rect>", left, y, pw * f90 / cap, pd);
			buf_printf(out, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"20\" fill=\"#0a5bd3\"><title>median: "
					"%s</title></rect>", left, y + 5, pw * fm / cap, md);
			buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#1b1f24\">median %s · p90 %s · target %s</text>",
				   left + pw + 10, y + 15, md, pd, td);
		} else {
			buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#57606a\">no replies yet · target %s</text>",
				   left + pw + 10, y + 15, td);
		}
	}
	buf_puts(out, "</svg>");
}

void chart_share(Buf *out, const char *id, const char *title, const char *const *labels, const int64_t *values,
		 const char *const *colors, size_t n)
{
	int64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += values[i];
	int h = 80;
	double pw = W - 2 * 10;
	open_svg(out, id, title, W, h);
	double x = 10;
	for (size_t i = 0; i < n; i++) {
		double pct = total ? (double)values[i] / (double)total : 0;
		if (pct > 0) {
			buf_printf(out, "<rect x=\"%.1f\" y=\"8\" width=\"%.1f\" height=\"28\" fill=\"%s\"><title>", x, pw * pct,
				   colors[i]);
			esc(out, labels[i]);
			buf_printf(out, ": %lld (%.1f%%)</title></rect>", (long long)values[i], pct * 100.0);
		}
		x += pw * pct;
	}
	if (!total)
		buf_printf(out, "<rect x=\"10\" y=\"8\" width=\"%.1f\" height=\"28\" fill=\"#e5e8eb\"/>", pw);
	x = 10;
	for (size_t i = 0; i < n; i++) {
		double pct = total ? (double)values[i] / (double)total * 100.0 : 0;
		buf_printf(out, "<rect x=\"%.0f\" y=\"52\" width=\"10\" height=\"10\" fill=\"%s\"/>", x, colors[i]);
		buf_printf(out, "<text x=\"%.0f\" y=\"61\" fill=\"#1b1f24\">", x + 14);
		esc(out, labels[i]);
		buf_printf(out, " %.0f%%</text>", pct);
		x += 40 + 7.0 * (double)strlen(labels[i]);
	}
	buf_puts(out, "</svg>");
}
