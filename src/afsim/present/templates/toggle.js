// Show or hide one series of an effect chart: every mark of series i carries class "s<i>".
document.querySelectorAll(".chart input[data-series]").forEach(function (box) {
  box.addEventListener("change", function () {
    var chart = box.closest(".chart");
    chart.querySelectorAll(".s" + box.dataset.series).forEach(function (mark) {
      mark.classList.toggle("hidden", !box.checked);
    });
  });
});
