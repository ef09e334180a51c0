import type { ComponentChildren } from 'preact';

export function Sev(props: { s: string | null }) {
  if (!props.s) return <span class="muted">—</span>;
  return <span class={`sev sev-${props.s}`}>{props.s}</span>;
}

export function StatusBadge(props: { s: string; label?: string }) {
  return <span class={`status status-${props.s}`}>{props.label ?? props.s}</span>;
}

export function Card(props: { title: string; children: ComponentChildren; class?: string; id?: string }) {
  const id = props.id ?? `card-${props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section class={`card ${props.class ?? ''}`} id={id} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{props.title}</h2>
      {props.children}
    </section>
  );
}

export function Failed(props: { error: string | null; loading?: boolean }) {
  if (props.error)
    return (
      <p class="error" role="alert">
        {props.error}
      </p>
    );
  if (props.loading) return <p class="loading">Loading…</p>;
  return null;
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="muted">{props.children}</p>;
}
