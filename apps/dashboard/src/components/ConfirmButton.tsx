import { type ReactNode, useId, useRef, useState } from 'react';

interface ConfirmButtonProps {
  /** The button's text, e.g. "Cancel release". */
  label: string;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  dismissLabel?: string;
  danger?: boolean;
  onConfirm: () => Promise<void>;
}

/**
 * A button that asks first, in a modal <dialog> (focus is trapped and Escape closes it, natively).
 * The dialog stays open while the action runs and shows its error if it fails.
 */
export function ConfirmButton({ label, title, children, confirmLabel, dismissLabel = 'Keep it', danger, onConfirm }: ConfirmButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();

  async function confirm(): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      dialog.current?.close();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button type="button" className={danger ? 'button danger' : 'button'} onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <dialog ref={dialog} className="dialog" aria-labelledby={titleId} onClose={() => setError(null)}>
        <h2 id={titleId}>{title}</h2>
        <div className="dialog-body">{children}</div>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button subtle" onClick={() => dialog.current?.close()} disabled={busy}>
            {dismissLabel}
          </button>
          <button type="button" className={danger ? 'button danger' : 'button primary'} onClick={() => void confirm()} disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
