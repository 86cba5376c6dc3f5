;;; check.el --- run by tests/editors/run.sh: check mld-mode's faces  -*- lexical-binding: t; -*-
;; emacs --batch -Q -l editors/emacs/mld-mode.el -l check.el SAMPLE EXPECT
;; Checks every "LINE COL LEN CLASS" of EXPECT against the faces under each
;; character of SAMPLE after font-lock; prints failures, exits 1 if any.
(require 'subr-x)
(require 'seq)

(defconst mldt-want
  '((keyword font-lock-keyword-face)
    (def font-lock-type-face font-lock-function-name-face font-lock-variable-name-face)
    (dtype font-lock-type-face)
    (topology font-lock-builtin-face)
    (operator font-lock-builtin-face)
    (function font-lock-builtin-face)
    (metric font-lock-constant-face)
    (const font-lock-constant-face)
    (number mld-number-face)
    (unit mld-unit-face)
    (comment font-lock-comment-face font-lock-comment-delimiter-face)
    (string font-lock-string-face)
    (op mld-operator-face)))

(let* ((sample (pop command-line-args-left))
       (expect (pop command-line-args-left))
       (fails 0))
  (with-current-buffer (find-file-noselect sample)
    (unless (eq major-mode 'mld-mode)
      (princ (format "FAIL %s: major mode is %s, not mld-mode\n" sample major-mode))
      (setq fails (1+ fails)))
    (font-lock-ensure)
    (dolist (e (with-temp-buffer
                 (insert-file-contents expect)
                 (split-string (buffer-string) "\n" t)))
      (let* ((f (split-string e))
             (line (string-to-number (nth 0 f)))
             (col (string-to-number (nth 1 f)))
             (len (string-to-number (nth 2 f)))
             (cls (nth 3 f))
             (neg (string-prefix-p "!" cls))
             (want (cdr (assq (intern (string-remove-prefix "!" cls)) mldt-want)))
             (bol (save-excursion (goto-char (point-min)) (forward-line (1- line)) (point)))
             (done nil))
        (dotimes (k len)
          (unless done
            (let* ((face (get-text-property (+ bol col -1 k) 'face))
                   (faces (if (listp face) face (list face)))
                   (hit (seq-some (lambda (x) (memq x want)) faces)))
              (when (eq (and hit t) neg)
                (setq done t fails (1+ fails))
                (princ (format "FAIL %s:%d:%d: '%s' should %sbe %s, has face %S\n"
                               sample line (+ col k)
                               (buffer-substring-no-properties (+ bol col -1) (+ bol col -1 len))
                               (if neg "not " "") (string-remove-prefix "!" cls) face))))))))
    (kill-emacs (if (> fails 0) 1 0))))
