/** The Rotation page (docs/rotation.md): where a rotation stands, its next step, and the buttons for it. */
import type { RotationStatus } from '../../rotation/manager.js';
import { timeCell } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField } from '../layout.js';

export interface RotationView {
  readonly status: RotationStatus;
  readonly caName: string;
  readonly keyTypes: readonly string[];
  readonly now: Date;
  readonly csrf: string;
}

/** One sentence: what the operator does next. */
export function nextStep(s: RotationStatus, now: Date): SafeHtml {
  const p = s.plan;
  switch (p.phase) {
    case 'idle':
      return html`No rotation is in progress. To replace the CA (end of life, algorithm change), <strong>Start rotation</strong>; if its key may be stolen, use <strong>Emergency rotation</strong>.`;
    case 'preparing':
      return html`Start did not complete (a step is pending, for example a trust anchor that did not answer). <strong>Resume rotation</strong> runs the remaining steps; <strong>Abort rotation</strong> goes back.`;
    case 'active':
      return p.pendingLeaves > 0
        ? html`New certificates come from the new CA. Wait until the old CA's ${p.pendingLeaves} certificate(s) have been renewed or expired (at the latest ${timeCell(new Date(p.earliestFinishAt), now)}), then <strong>Finish rotation</strong>.`
        : html`Every certificate of the old CA has been renewed or has expired: <strong>Finish rotation</strong> removes the old CA from the trust anchors.`;
    case 'finishing':
      return html`Finish was interrupted: <strong>Finish rotation</strong> again completes it.`;
    case 'aborting':
      return html`Issuing from the old CA again; the new CA leaves the trust anchors once its ${p.pendingLeaves} certificate(s) are gone. <strong>Abort rotation</strong> again to complete (or force it).`;
  }
}

function stepsTable(s: RotationStatus, now: Date): SafeHtml {
  return html`<div class="table-wrap" role="region" aria-label="Rotation steps" tabindex="0"><table>
<caption class="visually-hidden">Rotation steps</caption>
<thead><tr><th scope="col">Step</th><th scope="col">What it does</th><th scope="col">When</th><th scope="col">Done</th></tr></thead>
<tbody>${s.plan.steps.map(
    (st) =>
      html`<tr><td><code>${st.name}</code></td><td>${st.description}</td><td>${st.at ? timeCell(new Date(st.at), now) : html`<span class="muted">on request</span>`}</td><td>${st.done ? html`<span class="badge badge-active">done</span>` : html`<span class="muted">no</span>`}</td></tr>`,
  )}</tbody></table></div>`;
}

function emergencyForm(v: RotationView, label: string): SafeHtml {
  return html`<form method="post" action="/ui/rotation/start" class="stack emergency" aria-labelledby="emergency-title">
<h3 id="emergency-title">Emergency rotation</h3>
<p>For a compromised CA key: besides the rotation, <strong>every certificate the old CA issued is revoked at once</strong> (reason cACompromise), so every host must enroll again with a new token.</p>
${csrfField(v.csrf)}
<input type="hidden" name="emergency" value="yes">
<div class="field"><label for="confirm-name">Type the CA's name, <code>${v.caName}</code>, to confirm</label>
<input id="confirm-name" name="confirmName" required maxlength="200" autocomplete="off" spellcheck="false" data-confirm-name="${v.caName}" data-confirm-button="emergency-submit"></div>
<div class="actions"><button type="submit" class="button-danger" id="emergency-submit">${label}</button></div>
</form>`;
}

export function rotationBody(v: RotationView): SafeHtml {
  const s = v.status;
  const phase = s.plan.phase;
  const st = s.state;
  return html`<section aria-labelledby="where">
<h2 id="where">Where it stands</h2>
<dl class="facts">
<dt>Phase</dt><dd><span class="badge badge-phase">${phase}</span>${st?.emergency ? html` <span class="badge badge-revoked">emergency</span>` : ''}</dd>
<dt>Issuing from</dt><dd>${s.issuing === 'new' ? 'the new CA' : 'the current CA'}</dd>
<dt>Current CA</dt><dd><code>${s.current.rootFingerprint}</code> <span class="muted small">(root SHA-256)</span></dd>
${s.next ? html`<dt>New CA</dt><dd><code>${s.next.rootFingerprint}</code></dd>` : ''}
${st ? html`<dt>Started</dt><dd>${timeCell(new Date(st.startedAt), v.now)}</dd>` : ''}
<dt>Overlap needed</dt><dd>${Math.round(s.plan.overlapSeconds / 3600)} h (longest certificate lifetime + margin)</dd>
<dt>Certificates to drain</dt><dd>${s.plan.pendingLeaves}</dd>
</dl>
<p class="next-step"><strong>Next step:</strong> ${nextStep(s, v.now)}</p>
${s.warnings.length ? html`<ul class="warnings">${s.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : ''}
</section>
<section aria-labelledby="steps">
<h2 id="steps">Steps</h2>
${stepsTable(s, v.now)}
${
  s.plan.blocking.length
    ? html`<h3>Certificates the old CA still has out (up to 20)</h3><ul class="blocking">${s.plan.blocking.map(
        (b) =>
          html`<li><a href="/ui/hosts/${encodeURIComponent(b.host)}">${b.host}</a> <code>${b.serial}</code>, until ${timeCell(new Date(b.notAfter), v.now)}</li>`,
      )}</ul>`
    : ''
}
</section>
<section aria-labelledby="act">
<h2 id="act">Act</h2>
${
  phase === 'idle'
    ? html`<form method="post" action="/ui/rotation/start" class="stack">
${csrfField(v.csrf)}
<div class="field"><label for="keyType">Key type of the new CA</label>
<select id="keyType" name="keyType"><option value="" selected>Same as now</option>${v.keyTypes.map((k) => html`<option value="${k}">${k}</option>`)}</select></div>
<div class="actions"><button type="submit" class="button-primary">Start rotation</button></div>
</form>`
    : ''
}
${phase === 'preparing' ? html`<form method="post" action="/ui/rotation/start">${csrfField(v.csrf)}<button type="submit" class="button-primary">Resume rotation</button></form>` : ''}
${
  phase === 'active' || phase === 'finishing'
    ? html`<form method="post" action="/ui/rotation/finish" class="stack">${csrfField(v.csrf)}
${
  phase === 'active' && s.plan.pendingLeaves > 0
    ? html`<div class="check"><input type="checkbox" id="finish-force" name="force" value="yes"><label for="finish-force">Finish now anyway: the old CA's ${s.plan.pendingLeaves} certificate(s) will be refused by Roles Anywhere</label></div>`
    : ''
}
<div class="actions"><button type="submit" class="button-primary">Finish rotation</button></div></form>`
    : ''
}
${
  phase === 'preparing' || phase === 'active' || phase === 'aborting'
    ? html`<form method="post" action="/ui/rotation/abort" class="stack">${csrfField(v.csrf)}
${phase === 'aborting' ? html`<div class="check"><input type="checkbox" id="abort-force" name="force" value="yes"><label for="abort-force">Remove the new CA now, even though its certificates are still valid</label></div>` : ''}
<div class="actions"><button type="submit">Abort rotation</button></div></form>`
    : ''
}
${phase === 'idle' ? emergencyForm(v, 'Start emergency rotation') : ''}
${phase === 'active' && !st?.emergency ? emergencyForm(v, 'Revoke the old CA\u2019s certificates now') : ''}
</section>`;
}
