// The county's client feedback form (REP-FEEDBACK) for a voucher whose service has ended: its
// questions from GetClientFeedbackForm, each a radio group (fieldset and legend, one labelled
// radio per point of its scale), an optional comment, sent once (SubmitClientFeedback), then a
// thank-you. Before the service has ended the form says why it cannot be answered yet.

import type { Api } from "../api.js";
import { rid } from "../api.js";
import type {
  FeedbackAnswer,
  FeedbackQuestion,
  GetClientFeedbackFormResponse,
} from "../gen/seteli/reporting/v1/reporting_service_pb.js";
import { element, h, status } from "../ui/dom.js";
import { hideRefusal, refusalIn, showFailure } from "../ui/refusal.js";

/** The words of a five-point agreement scale (Likert), by its points 1–5. */
const AGREEMENT = [
  "täysin eri mieltä",
  "jokseenkin eri mieltä",
  "ei samaa eikä eri mieltä",
  "jokseenkin samaa mieltä",
  "täysin samaa mieltä",
];

/** The points of a question's scale with their labels: `5 – täysin samaa mieltä` on 1–5. */
export function scalePoints(min: number, max: number): { score: number; label: string }[] {
  const points: { score: number; label: string }[] = [];
  const likert = min === 1 && max === 5;
  for (let score = min; score <= max && points.length < 21; score++) {
    const words = likert ? AGREEMENT[score - 1] : score === min ? "heikoin" : score === max ? "paras" : "";
    points.push({ score, label: words ? `${score} – ${words}` : String(score) });
  }
  return points;
}

/** The answers picked (`picked(key)`: the score as text, or null), or the questions unanswered. */
export function answersOf(
  questions: Pick<FeedbackQuestion, "key" | "text" | "scaleMin" | "scaleMax">[],
  picked: (key: string) => string | null,
): { answers: { questionKey: string; score: number }[]; missing: string[] } {
  const answers: { questionKey: string; score: number }[] = [];
  const missing: string[] = [];
  for (const q of questions) {
    const score = Number(picked(q.key) ?? Number.NaN);
    if (Number.isInteger(score) && score >= q.scaleMin && score <= q.scaleMax) {
      answers.push({ questionKey: q.key, score });
    } else missing.push(q.text);
  }
  return { answers, missing };
}

/** The form's state for its holder. */
export type FeedbackState = "answer" | "thanks" | "closed";

/** Whether the form is to be answered, has been, or cannot be yet. */
export function feedbackState(f: Pick<GetClientFeedbackFormResponse, "mayAnswer" | "answered">): FeedbackState {
  if (f.answered) return "thanks";
  return f.mayAnswer ? "answer" : "closed";
}

/** The feedback part of the voucher card (`#client-feedback`). */
export interface FeedbackView {
  /** Reads the form for voucher `voucherId`; `ended`: show it even when it cannot be answered. */
  show(voucherId: string, ended: boolean): Promise<void>;
}

/** Wires the feedback form. */
export function startFeedback(api: Api): FeedbackView {
  const section = element<HTMLElement>("#client-feedback");
  const form = element<HTMLFormElement>("#feedback-form");
  const refusal = refusalIn(element("#feedback-refusal-slot"), "feedback-refusal");
  let voucherId = "";
  let questions: FeedbackQuestion[] = [];

  const thanks = () => {
    form.hidden = true;
    element<HTMLElement>("#feedback-closed").hidden = true;
    element<HTMLElement>("#feedback-thanks").hidden = false;
    section.dataset.state = "thanks";
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const { answers, missing } = answersOf(questions, (key) => data.get(`q-${key}`) as string | null);
    if (missing.length) {
      status("error", `Vastaa vielä kysymyksiin: ${missing.join("; ")}`);
      return;
    }
    const comment = element<HTMLTextAreaElement>("#feedback-comment").value.trim();
    const button = element<HTMLButtonElement>("#feedback-submit");
    button.disabled = true;
    status("loading", "Lähetetään palautetta…");
    void (async () => {
      try {
        await api.reporting.submitClientFeedback(
          { requestId: rid(), voucherId, answers: answers as FeedbackAnswer[], comment },
          api.opts,
        );
        hideRefusal(refusal);
        thanks();
        status("ok", "Kiitos palautteestasi.");
        element<HTMLElement>("#feedback-thanks").focus();
      } catch (err) {
        button.disabled = false;
        await showFailure(refusal, err, api.urls.reporting);
      }
    })();
  });

  return {
    async show(id, ended) {
      voucherId = id;
      section.hidden = true;
      const f = await api.reporting.getClientFeedbackForm({ voucherId: id }, api.opts);
      const state = feedbackState(f);
      if (state === "closed" && !ended) return;
      questions = f.questions;
      section.dataset.state = state;
      section.dataset.formVersion = f.formVersion;
      hideRefusal(refusal);
      form.hidden = state !== "answer";
      element<HTMLElement>("#feedback-thanks").hidden = state !== "thanks";
      const closed = element<HTMLElement>("#feedback-closed");
      closed.hidden = state !== "closed";
      closed.textContent = f.whyNot || "Palautetta ei voi vielä antaa.";
      if (state === "answer") {
        element("#feedback-questions").replaceChildren(...questions.map(questionSet));
        element<HTMLTextAreaElement>("#feedback-comment").value = "";
        element<HTMLButtonElement>("#feedback-submit").disabled = false;
      }
      section.hidden = false;
    },
  };
}

/** One question: a fieldset whose legend is the question, one labelled radio per point. */
function questionSet(q: FeedbackQuestion, index: number): HTMLFieldSetElement {
  const name = `q-${q.key}`;
  return h(
    "fieldset",
    { class: "scale", "data-question": q.key },
    h("legend", {}, `${index + 1}. ${q.text}`),
    ...scalePoints(q.scaleMin, q.scaleMax).map((p) => {
      const id = `${name}-${p.score}`;
      return h(
        "div",
        { class: "choice" },
        h("input", { type: "radio", id, name, value: p.score, required: true }),
        h("label", { for: id }, p.label),
      );
    }),
  );
}
