import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { ApiError, apiEvents } from '../api/client.ts';
import { Icon } from './Icon.tsx';

type Tone = 'success' | 'error' | 'warning' | 'info';
interface Toast {
  id: number;
  tone: Tone;
  message: string;
}

interface ToastApi {
  success(message: string): void;
  error(messageOrError: unknown): void;
  warning(message: string): void;
  info(message: string): void;
}

const ToastContext = createContext<ToastApi | null>(null);
const DISMISS_MS = { success: 5000, info: 5000, warning: 8000, error: 10000 } satisfies Record<Tone, number>;

/** The user-facing sentence of anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.userMessage;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Toasts for every success and error. Successes and notices go to a polite status region,
 * errors and warnings to an assertive alert region, so screen readers announce them.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const push = useCallback(
    (tone: Tone, message: string) => {
      const id = nextId.current++;
      // The same message twice in a row (a 403 on two requests) shows once.
      setToasts((all) =>
        all.some((t) => t.message === message && t.tone === tone)
          ? all
          : [...all.slice(-4), { id, tone, message }],
      );
      setTimeout(() => dismiss(id), DISMISS_MS[tone]);
    },
    [dismiss],
  );

  const api = useMemo<ToastApi>(
    () => ({
      success: (m) => push('success', m),
      error: (e) => {
        // 401 sends the user to sign-in and 403 has its own toast: no second message.
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return;
        push('error', messageOf(e));
      },
      warning: (m) => push('warning', m),
      info: (m) => push('info', m),
    }),
    [push],
  );

  useEffect(() => {
    const onForbidden = () => push('error', "You don't have permission");
    apiEvents.addEventListener('forbidden', onForbidden);
    return () => apiEvents.removeEventListener('forbidden', onForbidden);
  }, [push]);

  const polite = toasts.filter((t) => t.tone === 'success' || t.tone === 'info');
  const assertive = toasts.filter((t) => t.tone === 'error' || t.tone === 'warning');
  const render = (t: Toast) => (
    <div key={t.id} className={`toast toast-${t.tone}`}>
      <Icon name={t.tone === 'success' ? 'check' : t.tone === 'info' ? 'info' : 'alert'} />
      <span className="toast-message">{t.message}</span>
      <button
        type="button"
        className="icon-button"
        onClick={() => dismiss(t.id)}
        aria-label="Dismiss notification"
        title="Dismiss notification"
      >
        <Icon name="close" />
      </button>
    </div>
  );

  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="toasts">
        <div role="status" aria-live="polite" className="toast-region">
          {polite.map(render)}
        </div>
        <div role="alert" aria-live="assertive" className="toast-region">
          {assertive.map(render)}
        </div>
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error('useToast outside <ToastProvider>');
  return api;
}
