;;; eglot.el --- headless check of mldc lsp through eglot  -*- lexical-binding: t; -*-

;; emacs --batch -Q -l editors/emacs/mld-mode.el -l tests/editors/eglot.el MLDC FILE
;;
;; Opens FILE (a design with one dimension error) in mld-mode, starts eglot
;; with the server registered by mld-mode.el (`mld-mldc-program' set to
;; MLDC), and waits for the error to arrive as a Flymake diagnostic; then
;; formats the buffer through the server.  Prints "ok ..." lines and exits 0,
;; prints the failure and exits 1, or exits 3 when eglot is not installed.

;; -Q skips the system's packages: Debian installs eglot as an elpa package
(require 'package)
(dolist (dir '("/usr/share/emacs/site-lisp/elpa" "/usr/share/emacs/site-lisp/elpa-src"))
  (when (file-directory-p dir) (add-to-list 'package-directory-list dir)))
(package-initialize)
(unless (require 'eglot nil t)
  (princ "eglot is not installed (Emacs 29 has it; Debian 12: elpa-eglot)\n")
  (kill-emacs 3))
(require 'flymake)

(defun mld-eglot-fail (fmt &rest args)
  (princ (concat "FAIL " (apply #'format fmt args) "\n"))
  (kill-emacs 1))

(let* ((mldc (nth 0 command-line-args-left))
       (file (nth 1 command-line-args-left))
       (deadline (+ (float-time) 30)))
  (setq command-line-args-left nil)
  (setq mld-mldc-program mldc)
  ;; mld-mode.el registered its entry when eglot loaded; re-register with MLDC
  (setq eglot-server-programs (cons `(mld-mode . (,mldc "lsp")) eglot-server-programs))
  (find-file file)
  (unless (eq major-mode 'mld-mode) (mld-eglot-fail "%s did not open in mld-mode" file))
  ;; eglot-ensure waits for a command loop that batch mode has not: start it directly
  (apply #'eglot (eglot--guess-contact))
  (while (and (not (eglot-current-server)) (< (float-time) deadline))
    (accept-process-output nil 0.1))
  (unless (eglot-current-server) (mld-eglot-fail "eglot did not connect to %s lsp" mldc))
  (princ "ok   eglot connects to mldc lsp\n")
  (flymake-mode 1)
  (flymake-start)
  (let (diags)
    (while (and (null diags) (< (float-time) deadline))
      (accept-process-output nil 0.1)
      (setq diags (seq-filter (lambda (d) (string-match-p "bandwidth" (flymake-diagnostic-text d)))
                              (flymake-diagnostics))))
    (unless diags (mld-eglot-fail "no diagnostic about the bandwidth arrived: %S"
                                  (mapcar #'flymake-diagnostic-text (flymake-diagnostics))))
    (princ (format "ok   eglot shows mldc's diagnostic: %s\n" (flymake-diagnostic-text (car diags)))))
  ;; formatting: indent a line badly, then format through the server
  (goto-char (point-min))
  (re-search-forward "^param")
  (beginning-of-line)
  (insert "      ")
  (eglot-format-buffer)
  (goto-char (point-min))
  (if (re-search-forward "^      param" nil t)
      (mld-eglot-fail "eglot-format-buffer left the bad indentation")
    (princ "ok   eglot formats the buffer through mldc lsp\n"))
  (set-buffer-modified-p nil)
  (eglot-shutdown (eglot-current-server))
  (kill-emacs 0))
