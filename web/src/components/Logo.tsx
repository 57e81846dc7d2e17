import { useId } from 'react';

/** The Azura wordmark: a blue tile with the "A" and an orange spark, then the name. */
export function Logo({ compact = false }: { compact?: boolean }) {
  const titleId = useId();
  return (
    <svg
      className="logo"
      viewBox={compact ? '0 0 32 32' : '0 0 132 32'}
      height="32"
      role="img"
      aria-labelledby={titleId}
    >
      <title id={titleId}>Azura</title>
      <rect width="32" height="32" rx="7" fill="var(--azura-blue)" />
      <path d="M9 24 16 7l7 17h-3.6l-1.5-3.8h-3.9L12.6 24Zm6-6.8h2.2L16 14Z" fill="#fff" />
      <circle cx="24.5" cy="8" r="2.5" fill="var(--orange)" />
      {compact ? null : (
        <text
          x="40"
          y="23"
          fontFamily="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
          fontSize="21"
          fontWeight="700"
          letterSpacing="0.5"
          fill="var(--black)"
        >
          Azura
        </text>
      )}
    </svg>
  );
}
